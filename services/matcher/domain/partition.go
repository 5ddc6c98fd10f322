package domain

import "slices"

// AllItems names the partition that serves every catalog item: one active
// matcher for everything (the local stack, small deployments).
const AllItems = "all"

// Partition is the part of the catalog one matcher instance serves: its
// book holds only these items' needs, offers, stock and allocations, and it
// allocates only them. Instances of different partitions share the
// database; instances of one partition share a lease (one is active).
type Partition struct {
	// Name names the partition in its lease key, its durable consumers and
	// the logs.
	Name string
	// Items are the catalog codes served, sorted; empty means every item.
	Items []string
}

// Serves reports whether the partition serves item.
func (p Partition) Serves(item string) bool {
	if len(p.Items) == 0 {
		return true
	}
	_, ok := slices.BinarySearch(p.Items, item)
	return ok
}

// Whole reports whether the partition serves every item.
func (p Partition) Whole() bool { return len(p.Items) == 0 }

// Only is the part of the snapshot a partition holds: hospitals (every
// partition needs their region and facility type) and the needs, offers,
// allocations and stock reports of its items, with the inputs they were
// written from.
func (s Snapshot) Only(p Partition) Snapshot {
	if p.Whole() {
		return s
	}
	return Snapshot{
		Hospitals:   s.Hospitals,
		Needs:       ofItems(p, s.Needs, func(n Need) string { return n.Item }),
		Offers:      ofItems(p, s.Offers, func(o Offer) string { return o.Item }),
		Allocations: ofItems(p, s.Allocations, func(a Allocation) string { return a.Item }),
		Stock:       ofItems(p, s.Stock, func(st Stock) string { return st.Item }),
		// A hospital's input (no item) counts for every partition: each
		// holds every hospital.
		Inputs: slices.DeleteFunc(slices.Clone(s.Inputs), func(in Input) bool { return in.Item != "" && !p.Serves(in.Item) }),
	}
}

// ofItems keeps what concerns p's items.
func ofItems[T any](p Partition, all []T, item func(T) string) []T {
	var out []T
	for _, x := range all {
		if p.Serves(item(x)) {
			out = append(out, x)
		}
	}
	return out
}
