package events

// DirectedGiftOverdueType is published by the donation service when a
// directed gift is not delivered within its deadline (the 2020 complaint:
// gifts meant for one hospital absorbed into general stock).
const DirectedGiftOverdueType = "aidflow.donation.directed_gift_overdue.v1"

// DirectedGiftOverdue flags a directed gift whose units were not all
// delivered by due_at (pledged_at + 3 days). delivered counts units
// received by hospitals so far; pledged the units promised. Published once
// per donation.
type DirectedGiftOverdue struct {
	DonationID         string `json:"donation_id"`
	DonorID            string `json:"donor_id"`
	DirectedHospitalID string `json:"directed_hospital_id,omitempty"`
	DirectedRegion     string `json:"directed_region,omitempty"`
	PledgedAt          string `json:"pledged_at"`
	DueAt              string `json:"due_at"`
	FlaggedAt          string `json:"flagged_at"`
	Pledged            int64  `json:"pledged"`
	Delivered          int64  `json:"delivered"`
}

func (DirectedGiftOverdue) EventType() string { return DirectedGiftOverdueType }

func init() {
	Registry[DirectedGiftOverdueType] = func() any { return &DirectedGiftOverdue{} }
}
