package records

import (
	"errors"
	"math"
	"sort"
)

// ErrOverflow means the values do not sum within an int64.
var ErrOverflow = errors.New("sum of values overflows a 64-bit integer")

// TagCount is how often one tag occurs.
type TagCount struct {
	Tag   string `json:"tag"`
	Count int    `json:"count"`
}

// Summary is the output of `summarize`. Min, Max and Median are null for no records.
type Summary struct {
	Count      int            `json:"count"`
	Sum        int64          `json:"sum"`
	Min        *int64         `json:"min"`
	Max        *int64         `json:"max"`
	Median     *int64         `json:"median"`
	Categories map[string]int `json:"categories"`
	TopTags    []TagCount     `json:"top_tags"`
}

// Summarize computes statistics over recs; top limits TopTags (0 keeps all).
func Summarize(recs []Record, top int) (Summary, error) {
	s := Summary{Count: len(recs), Categories: map[string]int{}, TopTags: []TagCount{}}
	values := make([]int64, 0, len(recs))
	tags := map[string]int{}
	for _, r := range recs {
		if (r.Value > 0 && s.Sum > math.MaxInt64-r.Value) ||
			(r.Value < 0 && s.Sum < math.MinInt64-r.Value) {
			return Summary{}, ErrOverflow
		}
		s.Sum += r.Value
		values = append(values, r.Value)
		s.Categories[r.Category]++
		for _, t := range r.Tags {
			tags[t]++
		}
	}
	if len(values) > 0 {
		sort.Slice(values, func(i, j int) bool { return values[i] < values[j] })
		lo, hi, mid := values[0], values[len(values)-1], values[(len(values)-1)/2]
		s.Min, s.Max, s.Median = &lo, &hi, &mid
	}
	for t, n := range tags {
		s.TopTags = append(s.TopTags, TagCount{Tag: t, Count: n})
	}
	sort.Slice(s.TopTags, func(i, j int) bool {
		a, b := s.TopTags[i], s.TopTags[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Tag < b.Tag
	})
	if top > 0 && len(s.TopTags) > top {
		s.TopTags = s.TopTags[:top]
	}
	return s, nil
}
