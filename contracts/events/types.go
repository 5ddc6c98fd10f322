package events

// Type names, one per event. The owning service is the second token.
const (
	OrgRegisteredType = "aidflow.registry.org_registered.v1"
	TokenIssuedType   = "aidflow.registry.token_issued.v1"
	TokenRevokedType  = "aidflow.registry.token_revoked.v1"

	NeedPostedType    = "aidflow.demand.need_posted.v1"
	NeedConfirmedType = "aidflow.demand.need_confirmed.v1"
	NeedCancelledType = "aidflow.demand.need_cancelled.v1"
	NeedStaleType     = "aidflow.demand.need_stale.v1"
	StockReportedType = "aidflow.demand.stock_reported.v1"

	CapacityReportedType = "aidflow.supply.capacity_reported.v1"

	DonationPledgedType = "aidflow.donation.donation_pledged.v1"

	AllocationProposedType   = "aidflow.matcher.allocation_proposed.v1"
	AllocationAcceptedType   = "aidflow.matcher.allocation_accepted.v1"
	AllocationDeclinedType   = "aidflow.matcher.allocation_declined.v1"
	AllocationDispatchedType = "aidflow.matcher.allocation_dispatched.v1"
	AllocationReceivedType   = "aidflow.matcher.allocation_received.v1"
	AllocationExpiredType    = "aidflow.matcher.allocation_expired.v1"
	AllocationCancelledType  = "aidflow.matcher.allocation_cancelled.v1"

	CheckpointSignedType = "aidflow.audit.checkpoint_signed.v1"
)

// Streams: one JetStream stream per owning service, capturing aidflow.<service>.>.
var Services = []string{"registry", "demand", "supply", "donation", "matcher", "audit"}

// StreamName is the JetStream stream that holds a service's events.
func StreamName(service string) string { return "AIDFLOW_" + upper(service) }

// StreamSubjects is the subject filter of a service's stream.
func StreamSubjects(service string) string { return "aidflow." + service + ".>" }

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// ---- registry ----

// OrgRegistered: the operator created an organization. Name is the
// organization's name (an institution, never a person's contact).
type OrgRegistered struct {
	OrgID        string `json:"org_id"`
	Name         string `json:"name"`
	Role         string `json:"role"`
	Region       string `json:"region"`
	FacilityType string `json:"facility_type,omitempty"`
}

// TokenIssued: a new token for an organization. Never carries the token.
type TokenIssued struct {
	TokenID string `json:"token_id"`
	OrgID   string `json:"org_id"`
	Role    string `json:"role"`
}

// TokenRevoked: every service refuses the token from now on.
type TokenRevoked struct {
	TokenID string `json:"token_id"`
	OrgID   string `json:"org_id"`
}

// ---- demand ----

// NeedPosted: a hospital posted a shortage. The private note is not here.
type NeedPosted struct {
	NeedID            string   `json:"need_id"`
	HospitalID        string   `json:"hospital_id"`
	Item              string   `json:"item"`
	Quantity          int64    `json:"quantity"`
	Urgency           string   `json:"urgency"`
	NeededBy          string   `json:"needed_by"`
	AcceptedStandards []string `json:"accepted_standards"`
	Region            string   `json:"region"`
}

// NeedChanged is the data of need_confirmed, need_cancelled and need_stale.
type NeedChanged struct {
	NeedID     string `json:"need_id"`
	HospitalID string `json:"hospital_id"`
	Item       string `json:"item"`
	Region     string `json:"region"`
	Status     string `json:"status"`
}

// StockReported: a hospital's stock and burn rate of one item.
type StockReported struct {
	HospitalID       string  `json:"hospital_id"`
	Item             string  `json:"item"`
	Region           string  `json:"region"`
	OnHand           int64   `json:"on_hand"`
	DailyConsumption int64   `json:"daily_consumption"`
	DaysOfSupply     float64 `json:"days_of_supply"`
}

// ---- supply ----

// CapacityReported: a manufacturer's current report for one item, replacing
// its previous one. Revision increases with every report of the same source.
type CapacityReported struct {
	CapacityID     string `json:"capacity_id"`
	ManufacturerID string `json:"manufacturer_id"`
	Item           string `json:"item"`
	Region         string `json:"region"`
	AvailableNow   int64  `json:"available_now"`
	DailyRate      int64  `json:"daily_rate"`
	LeadTimeDays   int    `json:"lead_time_days"`
	Standard       string `json:"standard"`
	// UnitPrice in the smallest currency unit (fen), 0 when not given.
	UnitPrice int64 `json:"unit_price,omitempty"`
	Revision  int64 `json:"revision"`
}

// ---- donation ----

// DonationLine is one item of a donation; its offer id is DonationID + "/" + index.
type DonationLine struct {
	OfferID  string `json:"offer_id"`
	Item     string `json:"item"`
	Quantity int64  `json:"quantity"`
	Standard string `json:"standard"`
}

// DonationPledged: a donor pledged goods. PublicName is empty when the donor
// asked to stay anonymous.
type DonationPledged struct {
	DonationID         string         `json:"donation_id"`
	DonorID            string         `json:"donor_id"`
	Region             string         `json:"region"`
	Lines              []DonationLine `json:"lines"`
	DirectedHospitalID string         `json:"directed_hospital_id,omitempty"`
	DirectedRegion     string         `json:"directed_region,omitempty"`
	PublicName         string         `json:"public_name,omitempty"`
}

// ---- matcher ----

// Allocation is the full state of an allocation after a change; every
// allocation_* event carries it, so consumers apply it idempotently by
// (AllocationID, Version): a version not newer than the one held is ignored.
type Allocation struct {
	AllocationID     string `json:"allocation_id"`
	Version          int64  `json:"version"`
	NeedID           string `json:"need_id"`
	HospitalID       string `json:"hospital_id"`
	HospitalRegion   string `json:"hospital_region"`
	Item             string `json:"item"`
	Quantity         int64  `json:"quantity"`
	SourceKind       string `json:"source_kind"`
	SourceID         string `json:"source_id"`
	SourceOrgID      string `json:"source_org_id"`
	SourceRegion     string `json:"source_region"`
	Status           string `json:"status"`
	ShippedQuantity  int64  `json:"shipped_quantity"`
	ReceivedQuantity int64  `json:"received_quantity"`
	DamagedQuantity  int64  `json:"damaged_quantity"`
	DecidedBy        string `json:"decided_by"`
	Reason           string `json:"reason"`
	// StatusReason is the decline or cancel reason, when there is one.
	StatusReason string `json:"status_reason,omitempty"`
	// StatusBy is who made the last change of status when it was not the
	// source or the hospital: "regulator:<org id>" for a regulator's
	// cancellation or redirect.
	StatusBy string `json:"status_by,omitempty"`
	// RedirectedFrom and RedirectedTo link the two allocations of a
	// regulator's redirect: the new one names the cancelled one it took
	// the unshipped units from, the cancelled one names the new one.
	RedirectedFrom string `json:"redirected_from,omitempty"`
	RedirectedTo   string `json:"redirected_to,omitempty"`
	CreatedAt      string `json:"created_at"`
	UpdatedAt      string `json:"updated_at"`
	// ExpiresAt is when a proposed capacity allocation expires unless its
	// source accepts it (created_at + the matcher's TTL). Only
	// allocation_proposed of a capacity allocation carries it; notify
	// warns the manufacturer before then.
	ExpiresAt string `json:"expires_at,omitempty"`
	// Partition names the matcher partition that wrote this version;
	// Applied is the last event of each input stream (registry, demand,
	// supply, donation) that matcher had applied when it wrote it. The
	// matcher consumes its streams independently, so the audit log may
	// show them in another order than the matcher applied them; these let
	// a replay apply them in the matcher's order (services/matcher/replay).
	// Sequence numbers that matcher's writes in the order it made them
	// (the events of one write share it): the matcher's stream relays
	// each allocation's events in order, but not different allocations'.
	Partition string            `json:"partition,omitempty"`
	Sequence  int64             `json:"sequence,omitempty"`
	Applied   map[string]string `json:"applied,omitempty"`
}

// ---- audit ----

// CheckpointSigned: the audit log signed a checkpoint of its first Size records.
type CheckpointSigned struct {
	Size     int64  `json:"size"`
	RootHash string `json:"root_hash"`
}
