package events

import "encoding/json"

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

// RecordCorrectedType is a correction of a recorded event: a new record
// of the audit log that points at the one it corrects, which is never
// edited. Its envelope carries the corrected event's subject, org_id and
// item, so it lists next to the original.
const RecordCorrectedType = "aidflow.audit.record_corrected.v1"

// RecordCorrected says what was wrong in the record at corrects_index
// (event corrects_event_id) and, in corrected, the right values of the
// fields of its data that were wrong. corrected_by is the organization
// that filed it.
type RecordCorrected struct {
	CorrectsEventID string          `json:"corrects_event_id"`
	CorrectsIndex   int64           `json:"corrects_index"`
	CorrectsType    string          `json:"corrects_type"`
	Reason          string          `json:"reason"`
	Corrected       json.RawMessage `json:"corrected,omitempty"`
	CorrectedBy     string          `json:"corrected_by"`
}

func (RecordCorrected) EventType() string { return RecordCorrectedType }

// AnomalyReviewedType is a regulator's review of a raised anomaly: a new
// record of the audit log (the anomaly itself is never edited), whose
// envelope carries the reviewing regulator's organization as org_id and
// the anomaly id as subject.
const AnomalyReviewedType = "aidflow.audit.anomaly_reviewed.v1"

// AnomalyReviewed says a regulator looked at an anomaly and what they
// concluded (note). A later review of the same anomaly supersedes an
// earlier one; both stay in the log.
type AnomalyReviewed struct {
	AnomalyID  string `json:"anomaly_id"`
	Rule       string `json:"rule"`
	Note       string `json:"note"`
	ReviewedBy string `json:"reviewed_by"`
}

func (AnomalyReviewed) EventType() string { return AnomalyReviewedType }

func init() {
	Registry[AnomalyRaisedType] = func() any { return &AnomalyRaised{} }
	Registry[RecordCorrectedType] = func() any { return &RecordCorrected{} }
	Registry[AnomalyReviewedType] = func() any { return &AnomalyReviewed{} }
}
