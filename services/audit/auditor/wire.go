package auditor

// The wire forms of the audit service's answers, as its OpenAPI document
// gives them; the auditor reads them without the service's code.

// CheckpointJSON is a checkpoint as GET /v1/public/checkpoint and GET
// /v1/audit/checkpoints serve it. Only Note is trusted, once opened.
type CheckpointJSON struct {
	Origin   string `json:"origin"`
	Size     int64  `json:"size"`
	RootHash string `json:"root_hash"`
	Note     string `json:"note"`
	Key      string `json:"key"`
}

// InclusionProof is GET /v1/audit/proof/inclusion's answer.
type InclusionProof struct {
	EventID    string         `json:"event_id,omitempty"`
	Index      int64          `json:"index"`
	Record     []byte         `json:"record"`
	TreeSize   int64          `json:"tree_size"`
	Proof      []string       `json:"proof"`
	Checkpoint CheckpointJSON `json:"checkpoint"`
}

// ConsistencyProof is GET /v1/audit/proof/consistency's answer.
type ConsistencyProof struct {
	From           int64           `json:"from"`
	To             int64           `json:"to"`
	Proof          []string        `json:"proof"`
	FromCheckpoint *CheckpointJSON `json:"from_checkpoint,omitempty"`
	ToCheckpoint   CheckpointJSON  `json:"to_checkpoint"`
}
