package analytics

import "fmt"

// setKeys copies a group's keys into a stat's fields: ids into the fields
// named by dimension in ids, enum values into texts, years into years, and
// the period label into period (its bounds computed in the plan's zone). A
// NULL key leaves the field nil.
func setKeys(r groupRow, p *plan, ids map[string]**int64, texts map[string]**string, years map[string]**int, period **Period) error {
	for i, d := range p.dims {
		k := r.keys[i]
		if k == nil {
			continue
		}
		switch {
		case d.kind == periodKey:
			label, ok := k.(string)
			if !ok {
				return fmt.Errorf("period key: unexpected %T", k)
			}
			per, err := p.period(label)
			if err != nil {
				return err
			}
			*period = per
		case ids[d.name] != nil:
			id, ok := k.(int64)
			if !ok {
				return fmt.Errorf("%s key: unexpected %T", d.name, k)
			}
			*ids[d.name] = &id
		case texts[d.name] != nil:
			s, ok := k.(string)
			if !ok {
				return fmt.Errorf("%s key: unexpected %T", d.name, k)
			}
			*texts[d.name] = &s
		case years[d.name] != nil:
			y, ok := k.(int64)
			if !ok {
				return fmt.Errorf("%s key: unexpected %T", d.name, k)
			}
			n := int(y)
			*years[d.name] = &n
		default:
			return fmt.Errorf("dimension %s has no field", d.name)
		}
	}
	return nil
}

// period is the period of a label, computed once per label and plan: a
// grouping by month over many regions and categories repeats each label
// thousands of times. Every row gets its own copy.
func (p *plan) period(label string) (*Period, error) {
	per, ok := p.periods[label]
	if !ok {
		var err error
		if per, err = periodOf(p.unit, label, p.zone); err != nil {
			return nil, err
		}
		if p.periods == nil {
			p.periods = map[string]*Period{}
		}
		p.periods[label] = per
	}
	c := *per
	return &c, nil
}
