module example.com/http-service

go 1.21
