package records

import "testing"

func TestSummarize(t *testing.T) {
	recs, err := Parse([]byte(`[{"name":"a","category":"x","value":3,"tags":["t"]},
		{"name":"b","category":"y","value":-1},{"name":"c","category":"x","value":10,"tags":["t","u"]}]`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Summarize(recs, 1)
	if err != nil {
		t.Fatal(err)
	}
	if s.Count != 3 || s.Sum != 12 || *s.Min != -1 || *s.Max != 10 || *s.Median != 3 {
		t.Fatalf("summary: %+v", s)
	}
	if len(s.TopTags) != 1 || s.TopTags[0] != (TagCount{Tag: "t", Count: 2}) {
		t.Fatalf("top tags: %+v", s.TopTags)
	}
}

func TestParseRejectsNonArrays(t *testing.T) {
	for _, in := range []string{`null`, `{}`, `[[1]]`, `[1]`} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("%s: no error", in)
		}
	}
}
