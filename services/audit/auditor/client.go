package auditor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// Client fetches an export, the checkpoints and proofs from a running
// audit service. Nothing it fetches is trusted: checkpoints are opened
// with the verifier key and proofs are checked against them.
type Client struct {
	// Base is the service's base URL, e.g. https://audit.example.
	Base string
	// Token is a regulator's bearer token (events and proofs need one;
	// checkpoints are public).
	Token string
	HTTP  *http.Client
}

func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	u := strings.TrimRight(c.Base, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, bytes.TrimSpace(body))
	}
	return json.Unmarshal(body, out)
}

// pages reads every page of a list.
func pages[T any](ctx context.Context, c *Client, path string) ([]T, error) {
	var all []T
	cursor := ""
	for {
		q := url.Values{"limit": {"200"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var p struct {
			Items []T    `json:"items"`
			Next  string `json:"next"`
		}
		if err := c.get(ctx, path, q, &p); err != nil {
			return nil, err
		}
		all = append(all, p.Items...)
		if p.Next == "" {
			return all, nil
		}
		cursor = p.Next
	}
}

// Export fetches every recorded event in log order.
func (c *Client) Export(ctx context.Context) ([]Line, error) {
	return pages[Line](ctx, c, "/v1/audit/events")
}

// Checkpoints fetches every signed checkpoint's note.
func (c *Client) Checkpoints(ctx context.Context) ([][]byte, error) {
	cps, err := pages[CheckpointJSON](ctx, c, "/v1/audit/checkpoints")
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(cps))
	for i, cp := range cps {
		out[i] = []byte(cp.Note)
	}
	return out, nil
}

// Consistency fetches a consistency proof; it is a Prover.
func (c *Client) Consistency(ctx context.Context, from, to int64) (tlog.TreeProof, error) {
	var p ConsistencyProof
	q := url.Values{"from": {strconv.FormatInt(from, 10)}, "to": {strconv.FormatInt(to, 10)}}
	if err := c.get(ctx, "/v1/audit/proof/consistency", q, &p); err != nil {
		return nil, err
	}
	if p.From != from || p.To != to {
		return nil, fmt.Errorf("asked for a proof %d→%d, got %d→%d", from, to, p.From, p.To)
	}
	return parseHashes(p.Proof)
}

// ReadCheckpoints reads checkpoints saved from the service: either the
// JSON of one GET /v1/audit/checkpoints page ({items: [...]}) or JSON
// values of single checkpoints (GET /v1/public/checkpoint), one after
// another. It returns their notes, unopened.
func ReadCheckpoints(r io.Reader) ([][]byte, error) {
	dec := json.NewDecoder(r)
	var out [][]byte
	for {
		var v struct {
			CheckpointJSON
			Items []CheckpointJSON `json:"items"`
		}
		err := dec.Decode(&v)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("checkpoints: %w", err)
		}
		for _, cp := range v.Items {
			out = append(out, []byte(cp.Note))
		}
		if v.Note != "" {
			out = append(out, []byte(v.Note))
		}
	}
}
