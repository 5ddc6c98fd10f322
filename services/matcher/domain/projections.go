package domain

import (
	"slices"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/domain/policy"
)

// The matcher keeps its own copy of what other services announce: the
// hospitals (for the frontline rule), the needs, and the offers. Each is
// one document by id in its database and one entry in the Book.

// Hospital is what the policy needs of a hospital organization.
type Hospital struct {
	ID           string
	Region       string
	FacilityType string
}

// HospitalFrom reads an org_registered event; ok is false for other roles.
func HospitalFrom(d events.OrgRegistered) (Hospital, bool) {
	if d.Role != "hospital" {
		return Hospital{}, false
	}
	return Hospital{ID: d.OrgID, Region: d.Region, FacilityType: d.FacilityType}, true
}

// Need statuses as the matcher tracks them: demand's allocated, fulfilled
// and partially_allocated are, for the matcher, open needs whose remaining
// it computes itself.
const (
	NeedOpen      = "open"
	NeedStale     = "stale"
	NeedCancelled = "cancelled"
)

// Need is a hospital's need, as announced by demand.
type Need struct {
	ID                string
	HospitalID        string
	Item              string
	Region            string
	Quantity          int64
	Urgency           string
	NeededBy          string
	AcceptedStandards []string
	Status            string
}

// NeedFrom reads a need_posted event. A need that names no accepted
// standard accepts the item's defaults, as demand documents.
func NeedFrom(d events.NeedPosted) Need {
	return Need{
		ID: d.NeedID, HospitalID: d.HospitalID, Item: d.Item, Region: d.Region, Quantity: d.Quantity,
		Urgency: d.Urgency, NeededBy: d.NeededBy, AcceptedStandards: AcceptedStandards(d.Item, d.AcceptedStandards),
		Status: NeedOpen,
	}
}

// AcceptedStandards is the need's list, or the item's default when empty.
func AcceptedStandards(item string, given []string) []string {
	if len(given) > 0 {
		return slices.Clone(given)
	}
	if it, ok := catalog.Lookup(item); ok {
		return slices.Clone(it.DefaultAcceptedStandards)
	}
	return nil
}

// OfferStandard is the offer's standard, or the item's default when empty.
func OfferStandard(item, given string) string {
	if given != "" {
		return given
	}
	if it, ok := catalog.Lookup(item); ok {
		return it.DefaultStandard()
	}
	return ""
}

// ApplyStatus applies need_confirmed, need_cancelled or need_stale and
// reports whether anything changed. A cancelled need stays cancelled; a
// confirmation makes a stale need open again.
func (n *Need) ApplyStatus(eventType string) bool {
	before := n.Status
	switch {
	case n.Status == NeedCancelled:
	case eventType == events.NeedCancelledType:
		n.Status = NeedCancelled
	case eventType == events.NeedStaleType:
		n.Status = NeedStale
	case eventType == events.NeedConfirmedType:
		n.Status = NeedOpen
	}
	return n.Status != before
}

// Offer is a source of units: a manufacturer's current capacity report for
// an item, or one line of a donation.
type Offer struct {
	ID       string
	Kind     string // policy.KindCapacity or policy.KindDonation
	OrgID    string
	Item     string
	Region   string
	Standard string

	// Capacity: the latest report. ReportID is its event id: shipments
	// made under it count against AvailableNow until the next report.
	AvailableNow int64
	DailyRate    int64
	LeadTimeDays int
	Revision     int64
	ReportID     string

	// Donation line.
	Quantity           int64
	DonationID         string
	DirectedHospitalID string
	DirectedRegion     string
}

// CapacityFrom reads a capacity_reported event (id: its event id).
func CapacityFrom(eventID string, d events.CapacityReported) Offer {
	return Offer{
		ID: d.CapacityID, Kind: policy.KindCapacity, OrgID: d.ManufacturerID, Item: d.Item, Region: d.Region,
		Standard: OfferStandard(d.Item, d.Standard), AvailableNow: d.AvailableNow, DailyRate: d.DailyRate,
		LeadTimeDays: d.LeadTimeDays, Revision: d.Revision, ReportID: eventID,
	}
}

// Supersedes reports whether report r should replace the held one: it is
// another report and not an older revision. Replays of the same report
// change nothing (that would reset the shipments counted against it).
func (r Offer) Supersedes(held Offer) bool {
	if r.ReportID == held.ReportID {
		return false
	}
	return r.Revision == 0 || held.Revision == 0 || r.Revision > held.Revision
}

// DonationOffers reads a donation_pledged event: one offer per line.
func DonationOffers(d events.DonationPledged) []Offer {
	out := make([]Offer, 0, len(d.Lines))
	for _, l := range d.Lines {
		out = append(out, Offer{
			ID: l.OfferID, Kind: policy.KindDonation, OrgID: d.DonorID, Item: l.Item, Region: d.Region,
			Standard: OfferStandard(l.Item, l.Standard), Quantity: l.Quantity, DonationID: d.DonationID,
			DirectedHospitalID: d.DirectedHospitalID, DirectedRegion: d.DirectedRegion,
		})
	}
	return out
}

// Stock is a hospital's latest stock report of one item, as announced by
// demand (stock_reported). It may raise the urgency of the hospital's needs
// for the item (policy.CriticalDaysOfSupply).
type Stock struct {
	HospitalID       string
	Item             string
	OnHand           int64
	DailyConsumption int64
}

// StockFrom reads a stock_reported event. The matcher compares on hand
// with daily consumption itself, in whole units, rather than reading
// days_of_supply: no float rounding can change a decision.
func StockFrom(d events.StockReported) Stock {
	return Stock{HospitalID: d.HospitalID, Item: d.Item, OnHand: d.OnHand, DailyConsumption: d.DailyConsumption}
}

// Key identifies the report: one per hospital and item, the latest wins.
func (s Stock) Key() string { return s.HospitalID + "|" + s.Item }
