package records

// Criteria selects records; zero fields match everything.
type Criteria struct {
	Category string
	Tag      string
	Min      *int64
	Max      *int64
}

// Matches reports whether r meets every criterion.
func (c Criteria) Matches(r Record) bool {
	if c.Category != "" && r.Category != c.Category {
		return false
	}
	if c.Min != nil && r.Value < *c.Min {
		return false
	}
	if c.Max != nil && r.Value > *c.Max {
		return false
	}
	if c.Tag != "" && !hasTag(r, c.Tag) {
		return false
	}
	return true
}

// Filter returns the records that match c, in input order.
func Filter(recs []Record, c Criteria) []Record {
	out := []Record{}
	for _, r := range recs {
		if c.Matches(r) {
			out = append(out, r)
		}
	}
	return out
}

func hasTag(r Record, tag string) bool {
	for _, t := range r.Tags {
		if t == tag {
			return true
		}
	}
	return false
}
