package domain

import (
	"encoding/json"
	"net/http"
	"time"
)

// The services' answers, as API.md and contracts/openapi give them; only
// the fields the console shows.

// Me is GET /v1/me; GET /v1/orgs lists the same shape.
type Me struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Role   string `json:"role"`
	Region string `json:"region"`
}

// Capacity is one current capacity report (GET /v1/capacity).
type Capacity struct {
	ID             string    `json:"id"`
	ManufacturerID string    `json:"manufacturer_id"`
	Item           string    `json:"item"`
	Region         string    `json:"region"`
	AvailableNow   int64     `json:"available_now"`
	DailyRate      int64     `json:"daily_rate"`
	LeadTimeDays   int64     `json:"lead_time_days"`
	Standard       string    `json:"standard"`
	Reserved       int64     `json:"reserved"`
	Remaining      int64     `json:"remaining"`
	ReportedAt     time.Time `json:"reported_at"`
}

// CapacityDay is supply on one day for one item, nationwide (Province
// "") or in a province (GET /v1/capacity/daily).
type CapacityDay struct {
	Date         string `json:"date"`
	Item         string `json:"item"`
	Province     string `json:"province"`
	AvailableNow int64  `json:"available_now"`
	DailyRate    int64  `json:"daily_rate"`
	Reserved     int64  `json:"reserved"`
	Sources      int    `json:"sources"`
	Reported     int    `json:"reported"`
}

// NeedsDay is open demand on one day for one item, nationwide (Province
// "") or in a province (GET /v1/needs/daily).
type NeedsDay struct {
	Date        string `json:"date"`
	Item        string `json:"item"`
	Province    string `json:"province"`
	OpenNeeds   int    `json:"open_needs"`
	Stale       int    `json:"stale"`
	Quantity    int64  `json:"quantity"`
	Unallocated int64  `json:"unallocated"`
	Delivered   int64  `json:"delivered"`
	Posted      int    `json:"posted"`
}

// SourceStats is one source organization's allocations by status (GET
// /v1/allocations/stats).
type SourceStats struct {
	SourceOrgID string `json:"source_org_id"`
	SourceKind  string `json:"source_kind"`
	Total       int    `json:"total"`
	Declined    int    `json:"declined"`
}

// NeedAllocation is an allocation as a need lists it.
type NeedAllocation struct {
	ID         string `json:"id"`
	Quantity   int64  `json:"quantity"`
	Status     string `json:"status"`
	SourceKind string `json:"source_kind"`
}

// Need is a hospital's need (GET /v1/needs).
type Need struct {
	ID                 string           `json:"id"`
	HospitalID         string           `json:"hospital_id"`
	Item               string           `json:"item"`
	Quantity           int64            `json:"quantity"`
	Urgency            string           `json:"urgency"`
	NeededBy           string           `json:"needed_by"`
	Region             string           `json:"region"`
	Status             string           `json:"status"`
	AcceptedStandards  []string         `json:"accepted_standards"`
	AllocatedQuantity  int64            `json:"allocated_quantity"`
	DispatchedQuantity int64            `json:"dispatched_quantity"`
	DeliveredQuantity  int64            `json:"delivered_quantity"`
	Allocations        []NeedAllocation `json:"allocations"`
	Note               string           `json:"note"`
	CreatedAt          time.Time        `json:"created_at"`
}

// Outstanding is what of the need no allocation covers yet, for a need
// still wanted (open, partially allocated, or stale until reconfirmed).
func (n Need) Outstanding() int64 {
	switch n.Status {
	case "open", "partially_allocated", "stale":
		return max(n.Quantity-n.AllocatedQuantity, 0)
	}
	return 0
}

// TimelineEntry is one step of a need's story (GET /v1/needs/{id}/timeline).
type TimelineEntry struct {
	At               time.Time `json:"at"`
	Type             string    `json:"type"`
	Status           string    `json:"status"`
	AllocationID     string    `json:"allocation_id"`
	Quantity         int64     `json:"quantity"`
	ShippedQuantity  int64     `json:"shipped_quantity"`
	ReceivedQuantity int64     `json:"received_quantity"`
	DamagedQuantity  int64     `json:"damaged_quantity"`
}

// Allocation is GET /v1/allocations/{id}.
type Allocation struct {
	ID               string    `json:"id"`
	NeedID           string    `json:"need_id"`
	HospitalID       string    `json:"hospital_id"`
	HospitalRegion   string    `json:"hospital_region"`
	Item             string    `json:"item"`
	Quantity         int64     `json:"quantity"`
	SourceKind       string    `json:"source_kind"`
	SourceID         string    `json:"source_id"`
	SourceOrgID      string    `json:"source_org_id"`
	SourceRegion     string    `json:"source_region"`
	Status           string    `json:"status"`
	ShippedQuantity  int64     `json:"shipped_quantity"`
	ReceivedQuantity int64     `json:"received_quantity"`
	DamagedQuantity  int64     `json:"damaged_quantity"`
	Carrier          string    `json:"carrier"`
	TrackingNumber   string    `json:"tracking_number"`
	DecidedBy        string    `json:"decided_by"`
	Reason           string    `json:"reason"`
	StatusReason     string    `json:"status_reason"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// Event is a recorded event (GET /v1/audit/events).
type Event struct {
	Index       int64           `json:"index"`
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	Source      string          `json:"source"`
	Subject     string          `json:"subject"`
	Time        time.Time       `json:"time"`
	OrgID       string          `json:"org_id"`
	Item        string          `json:"item"`
	Data        json.RawMessage `json:"data"`
	CorrectedBy []int64         `json:"corrected_by"`
}

// Anomaly is a raised anomaly with its latest review (GET /v1/audit/anomalies).
type Anomaly struct {
	AnomalyID   string `json:"anomaly_id"`
	Rule        string `json:"rule"`
	SubjectKind string `json:"subject_kind"`
	SubjectID   string `json:"subject_id"`
	OrgID       string `json:"org_id"`
	Item        string `json:"item"`
	Region      string `json:"region"`
	Threshold   string `json:"threshold"`
	Observed    string `json:"observed"`
	Since       string `json:"since"`
	RaisedAt    string `json:"raised_at"`
	Reviewed    bool   `json:"reviewed"`
	ReviewNote  string `json:"review_note"`
	ReviewedBy  string `json:"reviewed_by"`
	ReviewedAt  string `json:"reviewed_at"`
}

// Checkpoint is GET /v1/public/checkpoint.
type Checkpoint struct {
	Origin   string    `json:"origin"`
	Size     int64     `json:"size"`
	RootHash string    `json:"root_hash"`
	Note     string    `json:"note"`
	Key      string    `json:"key"`
	Time     time.Time `json:"time"`
}

// Verification is GET /v1/audit/verify.
type Verification struct {
	OK            bool   `json:"ok"`
	Size          int64  `json:"size"`
	RootHash      string `json:"root_hash"`
	Checked       int64  `json:"checked"`
	FirstBadIndex *int64 `json:"first_bad_index"`
	Detail        string `json:"detail"`
}

// InclusionProof is GET /v1/audit/proof/inclusion.
type InclusionProof struct {
	EventID    string     `json:"event_id"`
	Index      int64      `json:"index"`
	LeafHash   string     `json:"leaf_hash"`
	TreeSize   int64      `json:"tree_size"`
	Proof      []string   `json:"proof"`
	Checkpoint Checkpoint `json:"checkpoint"`
}

// APIError is a refusal of the API: its status and problem+json, shown
// to the regulator as the API said it.
type APIError struct {
	Status int          `json:"status"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Errors []FieldError `json:"errors"`
}

// FieldError is one invalid field of a refused request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *APIError) Error() string {
	if e.Detail != "" {
		return e.Detail
	}
	if e.Title != "" {
		return e.Title
	}
	return http.StatusText(e.Status)
}
