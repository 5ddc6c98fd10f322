// Package domain holds the donation service's pledges, their tracking
// codes, what the matcher did with them, and the public journey derived
// from that.
package domain

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/contracts/regions"
	"github.com/aidflow/aidflow/shared/apperr"
	"github.com/aidflow/aidflow/shared/auth"
)

// Limits of a pledge.
const (
	MaxLines = 20
	// MaxPublicNameLength is in characters.
	MaxPublicNameLength = 100
)

// Donation statuses, from what the matcher did with the pledged units.
const (
	StatusPledged            = "pledged"             // nothing allocated yet
	StatusPartiallyAllocated = "partially_allocated" // some units allocated
	StatusAllocated          = "allocated"           // every unit allocated
	StatusDelivered          = "delivered"           // every unit in a delivered allocation
)

// Errors.
var (
	ErrDonationNotFound = apperr.New(apperr.NotFound, "no donation with this id")
	ErrCodeNotFound     = apperr.New(apperr.NotFound, "no donation with this tracking code; check it against your receipt")
	ErrCodeTaken        = apperr.New(apperr.Conflict, "this tracking code is taken")
	ErrExists           = apperr.New(apperr.Conflict, "a donation with this id exists")
	// ErrNoChange tells a repository that a change left the donation as it
	// was (an allocation snapshot already applied): nothing is written.
	ErrNoChange = apperr.New(apperr.Conflict, "nothing to change")
)

// Line is one pledged item.
type Line struct {
	Item     string
	Quantity int64
	Standard string
}

// Donation is a donor's pledge and what became of it.
type Donation struct {
	ID      string
	DonorID string
	// DonorRegion is the donor's region, from its token.
	DonorRegion string
	// TrackingCode is the normal form (NormalizeTrackingCode).
	TrackingCode string
	Lines        []Line
	// DirectedRegion and DirectedHospitalID, when set, restrict where the
	// matcher may send the units.
	DirectedRegion     string
	DirectedHospitalID string
	// PublicName is the name the donor chose to publish; always empty for
	// an anonymous donation, whose name is never stored.
	PublicName string
	Anonymous  bool
	CreatedAt  time.Time
	// OverdueAt is when the overdue sweep flagged this directed gift as
	// not delivered by DueAt; nil when not flagged.
	OverdueAt *time.Time
	// Allocations are the matcher's allocations of these units, by id.
	Allocations map[string]Allocation
	// Corrections are the audit's corrections of its events and its
	// allocations' events, in the order received.
	Corrections []Correction
}

// KeyedDonationID is the id of a donation pledged with a request key
// (httpx.RequestKey), so the same pledge sent again has the same id.
func KeyedDonationID(donorID, key string) string {
	h := sha256.Sum256([]byte(donorID + "\x00" + key))
	return "don_" + hex.EncodeToString(h[:10])
}

// OfferID is the id under which line i is offered to the matcher.
func OfferID(donationID string, i int) string { return donationID + "/" + strconv.Itoa(i) }

// ParseOfferID splits an offer id into its donation id and line index.
func ParseOfferID(offer string) (string, int, bool) {
	id, idx, ok := strings.Cut(offer, "/")
	n, err := strconv.Atoi(idx)
	return id, n, ok && err == nil && n >= 0 && id != ""
}

// Clone returns a copy that shares nothing with d.
func (d Donation) Clone() Donation {
	d.Lines = append([]Line(nil), d.Lines...)
	allocs := make(map[string]Allocation, len(d.Allocations))
	for id, a := range d.Allocations {
		allocs[id] = a.clone()
	}
	d.Allocations = allocs
	d.Corrections = slices.Clone(d.Corrections)
	if d.OverdueAt != nil {
		t := *d.OverdueAt
		d.OverdueAt = &t
	}
	return d
}

// Org is what the donation service knows of an organization, from the
// registry's org_registered events.
type Org struct {
	ID     string
	Name   string
	Role   string
	Region string
}

// LineInput is one item as the donor sends it.
type LineInput struct {
	Item     string
	Quantity int64
	Standard string
}

// PledgeInput is a pledge as the donor sends it.
type PledgeInput struct {
	Items      []LineInput
	Region     string
	HospitalID string
	PublicName string
	Anonymous  bool
}

// NewDonation validates a pledge. hospital is the organization named by
// in.HospitalID, nil when the service does not know it.
func NewDonation(in PledgeInput, donor auth.Claims, hospital *Org, now time.Time) (Donation, error) {
	var v apperr.Validation
	d := Donation{ID: "don_" + randomHex(10), DonorID: donor.OrgID, DonorRegion: donor.Region, Anonymous: in.Anonymous,
		DirectedRegion: in.Region, DirectedHospitalID: in.HospitalID, CreatedAt: now.UTC().Truncate(time.Millisecond), Allocations: map[string]Allocation{}}
	switch {
	case len(in.Items) == 0:
		v.Add("items", "list at least one item: [{\"item\": \"n95-respirator\", \"quantity\": 1000}]")
	case len(in.Items) > MaxLines:
		v.Add("items", "at most %d items per donation; pledge the rest in another", MaxLines)
	}
	seen := map[Line]bool{}
	for i, li := range in.Items {
		if len(in.Items) > MaxLines {
			break // one message is enough; the lines are checked once they fit
		}
		field := "items[" + strconv.Itoa(i) + "]"
		it, ok := catalog.Lookup(li.Item)
		if !ok {
			v.Add(field+".item", "%q is not a catalog item; see GET /v1/catalog/items", li.Item)
			continue
		}
		l := Line{Item: it.Code, Quantity: li.Quantity, Standard: li.Standard}
		if l.Standard == "" {
			l.Standard = it.DefaultStandard()
		} else if !it.HasStandard(l.Standard) {
			v.Add(field+".standard", "must be one of %s for %s", strings.Join(it.Standards, ", "), it.Code)
		}
		if l.Quantity < 1 || l.Quantity > it.MaxNeedQuantity {
			v.Add(field+".quantity", "must be a whole number of %ss from 1 to %d", it.Unit, it.MaxNeedQuantity)
		}
		key := Line{Item: l.Item, Standard: l.Standard}
		if seen[key] {
			v.Add(field, "lists %s (%s) again; give each item and standard once with the total", l.Item, l.Standard)
		}
		seen[key] = true
		d.Lines = append(d.Lines, l)
	}
	if in.Region != "" && !regions.Valid(in.Region) {
		v.Add("region", "must be a 6-digit GB/T 2260 division code such as 420000 (Hubei) or 420100 (Wuhan)")
	}
	if in.HospitalID != "" {
		switch {
		case hospital == nil || hospital.Role != auth.Hospital:
			v.Add("hospital_id", "no hospital with this id is registered")
		case in.Region != "" && regions.Valid(in.Region) && !Within(hospital.Region, in.Region):
			v.Add("hospital_id", "the hospital is in %s, outside the region %s this gift is directed to; give one or the other", hospital.Region, in.Region)
		}
	}
	name := strings.TrimSpace(in.PublicName)
	switch {
	case utf8.RuneCountInString(name) > MaxPublicNameLength:
		v.Add("public_name", "must be at most %d characters", MaxPublicNameLength)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		v.Add("public_name", "must not contain control characters")
	case !in.Anonymous && LooksLikeContact(name):
		v.Add("public_name", "is published, so it must not contain a phone number, e-mail address or identity-card number")
	}
	if !in.Anonymous {
		// An anonymous donor's name is dropped here and never stored, so
		// no later change can publish it.
		d.PublicName = name
	}
	if err := v.Err(); err != nil {
		return Donation{}, err
	}
	return d, nil
}

// Within reports whether region lies inside area: the same code, the
// province of a province code (xx0000), or the prefecture of a
// prefecture code (xxxx00).
func Within(region, area string) bool {
	switch {
	case region == area:
		return true
	case strings.HasSuffix(area, "0000"):
		return regions.ProvinceOf(region) == area
	case strings.HasSuffix(area, "00"):
		return len(region) == 6 && region[:4] == area[:4]
	}
	return false
}

// Event returns the donation_pledged event: no name when anonymous, no
// tracking code (it is the donor's key to the journey).
func (d Donation) Event(source string) events.Envelope {
	lines := make([]events.DonationLine, 0, len(d.Lines))
	for i, l := range d.Lines {
		lines = append(lines, events.DonationLine{OfferID: OfferID(d.ID, i), Item: l.Item, Quantity: l.Quantity, Standard: l.Standard})
	}
	pub := d.PublicName
	if d.Anonymous {
		pub = ""
	}
	return events.MustNew(source, events.DonationPledged{DonationID: d.ID, DonorID: d.DonorID, Region: d.DonorRegion, Lines: lines,
		DirectedHospitalID: d.DirectedHospitalID, DirectedRegion: d.DirectedRegion, PublicName: pub},
		events.Meta{Subject: d.ID, OrgID: d.DonorID, Time: d.CreatedAt})
}

// Repository stores donations and their tracking codes. Every method
// addresses one document by _id.
type Repository interface {
	// ReserveCode records that code (normal form) belongs to donationID,
	// or returns ErrCodeTaken. It runs before Create, so a donation never
	// exists without its code.
	ReserveCode(ctx context.Context, code, donationID string) error
	// DonationOfCode returns the donation id of a code, or ErrCodeNotFound.
	DonationOfCode(ctx context.Context, code string) (string, error)
	// Create stores a new donation with its events in one write.
	Create(ctx context.Context, d Donation, evs ...events.Envelope) error
	// Get returns a donation, or ErrDonationNotFound.
	Get(ctx context.Context, id string) (Donation, error)
	// Update reads the donation, applies change under its lock and stores
	// the result with the events change returns. When change returns
	// ErrNoChange nothing is written and the current donation is returned.
	Update(ctx context.Context, id string, change func(*Donation) ([]events.Envelope, error)) (Donation, error)
	// DueDirected returns the ids of watched donations (Donation.Watched)
	// whose DueAt is at or before now, in id order. Served from memory: the
	// store scans whole collections for any filter but _id.
	DueDirected(ctx context.Context, now time.Time) ([]string, error)
}

// Orgs is the service's own view of the registry's organizations.
type Orgs interface {
	// Put records an organization; recording the same one again is harmless.
	Put(ctx context.Context, o Org) error
	// Get returns an organization, or an apperr NotFound.
	Get(ctx context.Context, id string) (Org, error)
}

// ErrOrgNotFound answers Orgs.Get for an organization not (yet) known.
var ErrOrgNotFound = apperr.New(apperr.NotFound, "no organization with this id")

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
