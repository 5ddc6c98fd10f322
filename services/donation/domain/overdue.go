package domain

import (
	"time"

	"github.com/aidflow/aidflow/contracts/events"
)

// DirectedDeadline is how long a directed gift may take to be delivered
// before it is flagged. In 2020 gifts meant for one hospital were absorbed
// into general stock and nobody noticed; three days is enough to match,
// ship and receive within a province, so a gift still short after that is
// worth a look.
const DirectedDeadline = 3 * 24 * time.Hour

// FlagDirectedGiftOverdue is the flag shown on a donation and its public
// journey once it is overdue.
const FlagDirectedGiftOverdue = "directed_gift_overdue"

// Directed reports whether the donor directed the gift to a hospital or a
// region.
func (d Donation) Directed() bool { return d.DirectedHospitalID != "" || d.DirectedRegion != "" }

// DueAt is when a directed gift should be delivered by.
func (d Donation) DueAt() time.Time { return d.CreatedAt.Add(DirectedDeadline) }

// Watched reports whether the overdue sweep must keep an eye on d: a
// directed gift, not yet flagged, not yet delivered. Once flagged the flag
// stays (the delay happened), so a flagged gift is no longer watched.
func (d Donation) Watched() bool {
	return d.Directed() && d.OverdueAt == nil && d.Status() != StatusDelivered
}

// Flags are the donation's flags, in a fixed order; empty when none.
func (d Donation) Flags() []string {
	if d.OverdueAt != nil {
		return []string{FlagDirectedGiftOverdue}
	}
	return []string{}
}

// FlagOverdue flags a directed gift not delivered by its due time and
// returns the event announcing it. It reports false, changing nothing,
// for a gift that is not directed, already flagged, delivered, or not due.
func (d *Donation) FlagOverdue(now time.Time, source string) (events.Envelope, bool) {
	if !d.Watched() || now.Before(d.DueAt()) {
		return events.Envelope{}, false
	}
	at := now.UTC().Truncate(time.Millisecond)
	d.OverdueAt = &at
	var pledged, delivered int64
	for _, l := range d.Lines {
		pledged += l.Quantity
	}
	for _, p := range d.Progress() {
		delivered += p.Delivered
	}
	ev := events.MustNew(source, events.DirectedGiftOverdue{DonationID: d.ID, DonorID: d.DonorID,
		DirectedHospitalID: d.DirectedHospitalID, DirectedRegion: d.DirectedRegion,
		PledgedAt: d.CreatedAt.UTC().Format(time.RFC3339Nano), DueAt: d.DueAt().UTC().Format(time.RFC3339Nano),
		FlaggedAt: at.Format(time.RFC3339Nano), Pledged: pledged, Delivered: delivered},
		events.Meta{Subject: d.ID, OrgID: d.DonorID, Time: at})
	return ev, true
}
