package events

// AnomalyRaisedType is published by the audit service when one of its
// anomaly rules finds a subject (an allocation, a capacity report, a
// donation) out of bounds. Published once per rule and subject.
const AnomalyRaisedType = "aidflow.audit.anomaly_raised.v1"

// AnomalyRaised is one anomaly: which rule, about what, the threshold it
// crossed and what was observed. anomaly_id is rule + ":" + subject_id, so
// it is the same however often the rule runs.
type AnomalyRaised struct {
	AnomalyID   string `json:"anomaly_id"`
	Rule        string `json:"rule"`
	SubjectKind string `json:"subject_kind"`
	SubjectID   string `json:"subject_id"`
	// OrgID is the organization expected to act (the source that did not
	// dispatch, the hospital that did not confirm receipt, the seller).
	OrgID     string `json:"org_id,omitempty"`
	Item      string `json:"item,omitempty"`
	Region    string `json:"region,omitempty"`
	Threshold string `json:"threshold"`
	Observed  string `json:"observed"`
	// Since is when the condition began (RFC 3339); RaisedAt when the rule
	// found it.
	Since    string `json:"since"`
	RaisedAt string `json:"raised_at"`
}

func (AnomalyRaised) EventType() string { return AnomalyRaisedType }

func init() {
	Registry[AnomalyRaisedType] = func() any { return &AnomalyRaised{} }
}
