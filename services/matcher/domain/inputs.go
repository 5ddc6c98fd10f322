package domain

// Input is the event a projection (a hospital, need, offer or stock
// report) was last written from: the stream it came on, its sequence
// number in that stream, and its id. Stored with the projection in the
// same write, so after a restart the matcher knows how far its state has
// read each stream (LatestInputs).
type Input struct {
	Stream  string
	Seq     uint64
	EventID string
	// Item is the projection's item; empty for a hospital (every item's).
	Item string
}

// Inputs is how far a matcher has read its input streams: the id of the
// last event it applied from each (registry, demand, supply, donation).
// Every allocation event carries it (events.Allocation.Applied), so a
// replay can apply the streams in the order this matcher did, whatever
// order they reached the audit log in.
type Inputs map[string]string

// LatestInputs is, per stream, the input with the highest sequence number:
// how far the projections have read each stream. They hold every event
// the matcher applied up to it, as each stream is applied in order, and an
// event that wrote nothing left nothing a replay must apply.
func LatestInputs(all []Input) map[string]Input {
	latest := map[string]Input{}
	for _, in := range all {
		if in.Stream == "" || in.EventID == "" {
			continue
		}
		if held, ok := latest[in.Stream]; !ok || in.Seq > held.Seq {
			in.Item = ""
			latest[in.Stream] = in
		}
	}
	return latest
}
