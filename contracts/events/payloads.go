package events

// Each payload names its type. Types that share a data shape are wrapped so
// the type is always explicit at the producer.

func (OrgRegistered) EventType() string    { return OrgRegisteredType }
func (TokenIssued) EventType() string      { return TokenIssuedType }
func (TokenRevoked) EventType() string     { return TokenRevokedType }
func (NeedPosted) EventType() string       { return NeedPostedType }
func (StockReported) EventType() string    { return StockReportedType }
func (CapacityReported) EventType() string { return CapacityReportedType }
func (DonationPledged) EventType() string  { return DonationPledgedType }
func (CheckpointSigned) EventType() string { return CheckpointSignedType }

// NeedConfirmed, NeedCancelled and NeedStale share NeedChanged's shape.
type (
	NeedConfirmed NeedChanged
	NeedCancelled NeedChanged
	NeedStale     NeedChanged
)

func (NeedConfirmed) EventType() string { return NeedConfirmedType }
func (NeedCancelled) EventType() string { return NeedCancelledType }
func (NeedStale) EventType() string     { return NeedStaleType }

// AllocationEvent is an allocation snapshot published under one of the
// allocation_* types, chosen by the change that produced it.
type AllocationEvent struct {
	Type string `json:"-"`
	Allocation
}

func (a AllocationEvent) EventType() string { return a.Type }

// AllocationTypes are the types that carry an Allocation snapshot.
var AllocationTypes = []string{
	AllocationProposedType, AllocationAcceptedType, AllocationDeclinedType,
	AllocationDispatchedType, AllocationReceivedType, AllocationExpiredType,
	AllocationCancelledType,
}

// Registry maps every type name to a constructor of its data, for schema
// checks and generic decoding.
var Registry = map[string]func() any{
	OrgRegisteredType:    func() any { return &OrgRegistered{} },
	TokenIssuedType:      func() any { return &TokenIssued{} },
	TokenRevokedType:     func() any { return &TokenRevoked{} },
	NeedPostedType:       func() any { return &NeedPosted{} },
	NeedConfirmedType:    func() any { return &NeedChanged{} },
	NeedCancelledType:    func() any { return &NeedChanged{} },
	NeedStaleType:        func() any { return &NeedChanged{} },
	StockReportedType:    func() any { return &StockReported{} },
	CapacityReportedType: func() any { return &CapacityReported{} },
	DonationPledgedType:  func() any { return &DonationPledged{} },
	CheckpointSignedType: func() any { return &CheckpointSigned{} },
}

func init() {
	for _, t := range AllocationTypes {
		Registry[t] = func() any { return &Allocation{} }
	}
}
