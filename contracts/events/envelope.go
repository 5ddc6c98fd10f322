// Package events defines the versioned event types every Aidflow service
// publishes and consumes, and the envelope they travel in.
//
// Type names follow NATS ADR-1 style versioning: aidflow.<service>.<event>.v1.
// A breaking change to an event's data gets a new type (…v2); consumers keep
// reading v1 until every producer has moved.
//
// Events carry no personal data: no notes, no contact details, no anonymous
// donor's name. Anything private stays in the owning service's database.
package events

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Envelope is the common wrapper of every event, close to CloudEvents.
type Envelope struct {
	// ID is unique per event; it is also the JetStream Nats-Msg-Id and the
	// key consumers deduplicate on.
	ID string `json:"id"`
	// Type is the versioned type name, e.g. aidflow.demand.need_posted.v1.
	Type string `json:"type"`
	// Source is the owning service, e.g. "demand".
	Source string `json:"source"`
	// Subject is the id of the entity the event is about (a need, an
	// allocation, an organization).
	Subject string    `json:"subject"`
	Time    time.Time `json:"time"`
	// OrgID is the organization the event concerns (the actor or the owner),
	// so the audit log can be queried per organization.
	OrgID string `json:"org_id,omitempty"`
	// Item is the catalog code the event concerns, if any; it is the last
	// token of the NATS subject so consumers can be partitioned by item.
	Item string          `json:"item,omitempty"`
	Data json.RawMessage `json:"data"`
}

// NoItem is the subject token used for events that concern no single item.
const NoItem = "_"

// NATSSubject is the subject an event is published on: its type followed by
// the item code (or NoItem).
func (e Envelope) NATSSubject() string {
	item := e.Item
	if item == "" {
		item = NoItem
	}
	return e.Type + "." + item
}

// Service returns the owning service named in a type, e.g. "demand" for
// aidflow.demand.need_posted.v1.
func Service(eventType string) string {
	parts := strings.Split(eventType, ".")
	if len(parts) < 4 {
		return ""
	}
	return parts[1]
}

// Decode unmarshals the envelope's data into v, which must match e.Type.
func (e Envelope) Decode(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("decode %s %s: %w", e.Type, e.ID, err)
	}
	return nil
}

// Payload is implemented by every event data type.
type Payload interface {
	EventType() string
}

// Meta carries the envelope fields a producer chooses.
type Meta struct {
	Subject string
	OrgID   string
	Item    string
	// ID may be set for a deterministic id (e.g. derived from the command's
	// idempotency key); empty means a new random id.
	ID string
	// Time defaults to now.
	Time time.Time
}

// New wraps data in an envelope from source.
func New(source string, data Payload, m Meta) (Envelope, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Envelope{}, fmt.Errorf("encode %s: %w", data.EventType(), err)
	}
	id := m.ID
	if id == "" {
		id = NewID()
	}
	t := m.Time
	if t.IsZero() {
		t = time.Now()
	}
	return Envelope{
		ID:      id,
		Type:    data.EventType(),
		Source:  source,
		Subject: m.Subject,
		Time:    t.UTC().Truncate(time.Millisecond),
		OrgID:   m.OrgID,
		Item:    m.Item,
		Data:    raw,
	}, nil
}

// MustNew is New for data that always encodes (every type in this package).
func MustNew(source string, data Payload, m Meta) Envelope {
	e, err := New(source, data, m)
	if err != nil {
		panic(err)
	}
	return e
}

// NewID returns a random, time-ordered-enough, opaque 26-character id.
func NewID() string {
	var b [13]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}
