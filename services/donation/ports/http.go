// Package ports is the donation service's HTTP surface (API.md, "Donors")
// and its event consumers.
package ports

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/aidflow/aidflow/services/donation/app"
	"github.com/aidflow/aidflow/services/donation/domain"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/httpx"
)

type handlers struct{ app *app.App }

// Register mounts the donor routes on authed (a group that requires a valid
// token) and the public journey on public, its misses limited by lim per
// client address (see limit).
func Register(authed *echo.Group, public *echo.Echo, a *app.App, lim httpx.Limiter) {
	h := handlers{a}
	authed.POST("/v1/donations", h.pledge, auth.Require(auth.Donor))
	authed.GET("/v1/donations/:id", h.get)
	public.GET("/v1/public/donations/:tracking_code", h.journey, limit(lim))
}

type lineRequest struct {
	Item     string `json:"item"`
	Quantity int64  `json:"quantity"`
	Standard string `json:"standard"`
}

type pledgeRequest struct {
	Items      []lineRequest `json:"items"`
	Region     string        `json:"region"`
	HospitalID string        `json:"hospital_id"`
	PublicName string        `json:"public_name"`
	Anonymous  bool          `json:"anonymous"`
}

// LineJSON is one pledged item with what became of its units.
type LineJSON struct {
	OfferID    string `json:"offer_id"`
	Item       string `json:"item"`
	Quantity   int64  `json:"quantity"`
	Standard   string `json:"standard"`
	Allocated  int64  `json:"allocated"`
	Dispatched int64  `json:"dispatched"`
	Delivered  int64  `json:"delivered"`
}

// AllocationJSON is one allocation of the donation, for its donor.
type AllocationJSON struct {
	ID               string     `json:"id"`
	OfferID          string     `json:"offer_id"`
	Item             string     `json:"item"`
	Quantity         int64      `json:"quantity"`
	Status           string     `json:"status"`
	HospitalID       string     `json:"hospital_id"`
	HospitalName     string     `json:"hospital_name"`
	HospitalRegion   string     `json:"hospital_region"`
	ShippedQuantity  int64      `json:"shipped_quantity"`
	ReceivedQuantity int64      `json:"received_quantity"`
	DamagedQuantity  int64      `json:"damaged_quantity"`
	CreatedAt        time.Time  `json:"created_at"`
	DispatchedAt     *time.Time `json:"dispatched_at,omitempty"`
	DeliveredAt      *time.Time `json:"delivered_at,omitempty"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

// DonationJSON is a donation as its donor and regulators see it.
type DonationJSON struct {
	ID           string           `json:"id"`
	TrackingCode string           `json:"tracking_code"`
	DonorID      string           `json:"donor_id"`
	Items        []LineJSON       `json:"items"`
	Region       string           `json:"region,omitempty"`
	HospitalID   string           `json:"hospital_id,omitempty"`
	PublicName   string           `json:"public_name,omitempty"`
	Anonymous    bool             `json:"anonymous"`
	Status       string           `json:"status"`
	Allocations  []AllocationJSON `json:"allocations"`
	CreatedAt    time.Time        `json:"created_at"`
	// DueAt is when a directed gift should be delivered by; left out of
	// an undirected one.
	DueAt *time.Time `json:"due_at,omitempty"`
	// Flags is ["directed_gift_overdue"] once the sweep flagged it.
	Flags            []string   `json:"flags"`
	OverdueFlaggedAt *time.Time `json:"overdue_flagged_at,omitempty"`
}

func toJSON(d domain.Donation, names map[string]string) DonationJSON {
	j := DonationJSON{ID: d.ID, TrackingCode: domain.FormatTrackingCode(d.TrackingCode), DonorID: d.DonorID, Region: d.DirectedRegion,
		HospitalID: d.DirectedHospitalID, Anonymous: d.Anonymous, Status: d.Status(), CreatedAt: d.CreatedAt,
		Items: []LineJSON{}, Allocations: []AllocationJSON{}, Flags: d.Flags(), OverdueFlaggedAt: d.OverdueAt}
	if !d.Anonymous {
		j.PublicName = d.PublicName
	}
	if d.Directed() {
		due := d.DueAt()
		j.DueAt = &due
	}
	for i, p := range d.Progress() {
		l := d.Lines[i]
		j.Items = append(j.Items, LineJSON{OfferID: domain.OfferID(d.ID, i), Item: l.Item, Quantity: l.Quantity, Standard: l.Standard,
			Allocated: p.Allocated, Dispatched: p.Dispatched, Delivered: p.Delivered})
	}
	for _, a := range d.SortedAllocations() {
		j.Allocations = append(j.Allocations, AllocationJSON{ID: a.ID, OfferID: domain.OfferID(d.ID, a.Line), Item: a.Item, Quantity: a.Quantity,
			Status: a.Status, HospitalID: a.HospitalID, HospitalName: names[a.HospitalID], HospitalRegion: a.HospitalRegion,
			ShippedQuantity: a.Shipped, ReceivedQuantity: a.Received, DamagedQuantity: a.Damaged, CreatedAt: a.AllocatedAt,
			DispatchedAt: a.DispatchedAt, DeliveredAt: a.DeliveredAt, UpdatedAt: a.UpdatedAt})
	}
	return j
}

// input is the request as the domain reads it.
func (r pledgeRequest) input() domain.PledgeInput {
	in := domain.PledgeInput{Region: r.Region, HospitalID: r.HospitalID, PublicName: r.PublicName, Anonymous: r.Anonymous}
	for _, l := range r.Items {
		in.Items = append(in.Items, domain.LineInput(l))
	}
	return in
}

func (h handlers) pledge(c echo.Context) error {
	var req pledgeRequest
	if err := httpx.Bind(c, &req); err != nil {
		return err
	}
	d, err := h.app.PledgeDonation(c.Request().Context(), auth.From(c), httpx.RequestKey(c), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toJSON(d, nil))
}

func (h handlers) get(c echo.Context) error {
	d, names, err := h.app.GetDonation(c.Request().Context(), auth.From(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(d, names))
}

// The journey's JSON is written field by field from domain.Journey, which
// holds public facts only; nothing here reaches into the donation.

// JourneyItemJSON is one pledged item of the public journey.
type JourneyItemJSON struct {
	Item       string `json:"item"`
	Standard   string `json:"standard"`
	Pledged    int64  `json:"pledged"`
	Allocated  int64  `json:"allocated"`
	Dispatched int64  `json:"dispatched"`
	Delivered  int64  `json:"delivered"`
}

// JourneyAllocationJSON is one allocation of the public journey.
type JourneyAllocationJSON struct {
	Item             string     `json:"item"`
	Standard         string     `json:"standard"`
	Quantity         int64      `json:"quantity"`
	Status           string     `json:"status"`
	HospitalName     string     `json:"hospital_name"`
	HospitalRegion   string     `json:"hospital_region"`
	AllocatedAt      time.Time  `json:"allocated_at"`
	DispatchedAt     *time.Time `json:"dispatched_at,omitempty"`
	DeliveredAt      *time.Time `json:"delivered_at,omitempty"`
	ShippedQuantity  int64      `json:"shipped_quantity"`
	ReceivedQuantity int64      `json:"received_quantity"`
	// Corrections are the audit's corrections of this allocation's events.
	Corrections []JourneyCorrectionJSON `json:"corrections"`
}

// JourneyCorrectionJSON is an audit correction beside what it corrects:
// the corrected event's type, why, and the right values of the public
// fields that were wrong. The original stays as it was recorded.
type JourneyCorrectionJSON struct {
	CorrectsType string                     `json:"corrects_type"`
	Reason       string                     `json:"reason,omitempty"`
	Corrected    map[string]json.RawMessage `json:"corrected"`
	CorrectedAt  time.Time                  `json:"corrected_at"`
}

func correctionsJSON(cs []domain.JourneyCorrection) []JourneyCorrectionJSON {
	out := []JourneyCorrectionJSON{}
	for _, c := range cs {
		j := JourneyCorrectionJSON{CorrectsType: c.CorrectsType, Reason: c.Reason, Corrected: map[string]json.RawMessage{}, CorrectedAt: c.CorrectedAt}
		for k, v := range c.Corrected {
			j.Corrected[k] = v
		}
		out = append(out, j)
	}
	return out
}

// JourneyJSON is the public journey of a donation.
type JourneyJSON struct {
	TrackingCode string    `json:"tracking_code"`
	DonorName    string    `json:"donor_name,omitempty"`
	PledgedAt    time.Time `json:"pledged_at"`
	Status       string    `json:"status"`
	// Flags is ["directed_gift_overdue"] once a directed gift was not
	// delivered in time; OverdueFlaggedAt is when that was noticed.
	Flags            []string                `json:"flags"`
	OverdueFlaggedAt *time.Time              `json:"overdue_flagged_at,omitempty"`
	Items            []JourneyItemJSON       `json:"items"`
	Allocations      []JourneyAllocationJSON `json:"allocations"`
	// Corrections are the audit's corrections of the donation's own events.
	Corrections []JourneyCorrectionJSON `json:"corrections"`
}

func journeyJSON(j domain.Journey) JourneyJSON {
	out := JourneyJSON{TrackingCode: j.TrackingCode, DonorName: j.DonorName, PledgedAt: j.PledgedAt, Status: j.Status,
		Flags: append([]string{}, j.Flags...), OverdueFlaggedAt: j.OverdueAt, Items: []JourneyItemJSON{}, Allocations: []JourneyAllocationJSON{},
		Corrections: correctionsJSON(j.Corrections)}
	for _, it := range j.Items {
		out.Items = append(out.Items, JourneyItemJSON{Item: it.Item, Standard: it.Standard, Pledged: it.Pledged,
			Allocated: it.Allocated, Dispatched: it.Dispatched, Delivered: it.Delivered})
	}
	for _, a := range j.Allocations {
		out.Allocations = append(out.Allocations, JourneyAllocationJSON{Item: a.Item, Standard: a.Standard, Quantity: a.Quantity,
			Status: a.Status, HospitalName: a.HospitalName, HospitalRegion: a.HospitalRegion, AllocatedAt: a.AllocatedAt,
			DispatchedAt: a.DispatchedAt, DeliveredAt: a.DeliveredAt, ShippedQuantity: a.ShippedQuantity, ReceivedQuantity: a.ReceivedQuantity,
			Corrections: correctionsJSON(a.Corrections)})
	}
	return out
}

func (h handlers) journey(c echo.Context) error {
	code := c.Param("tracking_code")
	if u, err := url.PathUnescape(code); err == nil {
		code = u // "AF7K 2MXQ 9RTB H" typed with spaces arrives escaped
	}
	j, err := h.app.PublicJourney(c.Request().Context(), code)
	if err != nil {
		return err
	}
	// The answer is public but personal to whoever holds the code: no
	// shared cache keeps it.
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, journeyJSON(j))
}
