package faults_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// client talks to the gateway as the organizations would.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func newClient(t *testing.T, base string) *client {
	return &client{t: t, base: base, http: &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
}

// do sends one request; key, when set, is the Idempotency-Key.
func (c *client) do(method, path, token, key string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// write sends a write the way a careful client does: with an
// Idempotency-Key, retried with the same key after a connection error or
// a 5xx (or a 429) until it gets another answer or the deadline passes. It
// returns the final status and body, and whether any attempt failed.
func (c *client) write(method, path, token, key string, body any) (int, []byte, bool) {
	deadline := time.Now().Add(2 * time.Minute)
	failed := false
	for attempt := 0; ; attempt++ {
		code, raw, err := c.do(method, path, token, key, body)
		if err == nil && code < 500 && code != http.StatusTooManyRequests {
			return code, raw, failed
		}
		failed = true
		if time.Now().After(deadline) {
			c.t.Errorf("%s %s (key %s) still failing after 2 min: %d %s %v", method, path, key, code, raw, err)
			return code, raw, failed
		}
		time.Sleep(min(time.Duration(attempt+1)*100*time.Millisecond, time.Second))
	}
}

// list reads every page of a list as token.
func list[T any](c *client, path, token string) ([]T, error) {
	return listFrom[T](c, path, token, "")
}

// listFrom reads every page of a list from cursor on.
func listFrom[T any](c *client, path, token, cursor string) ([]T, error) {
	var all []T
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for {
		p := path + sep + "limit=200"
		if cursor != "" {
			p += "&cursor=" + cursor
		}
		code, raw, err := c.do(http.MethodGet, p, token, "", nil)
		if err != nil {
			return nil, err
		}
		if code != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %d %s", p, code, raw)
		}
		var page struct {
			Items []T    `json:"items"`
			Next  string `json:"next"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.Next == "" {
			return all, nil
		}
		cursor = page.Next
	}
}

// world is the organizations a scenario runs with: hospitals, a
// regulator, manufacturers whose capacity exceeds every need the scenario
// posts, so every need can be fully allocated, and a donor.
type world struct {
	hospitals     []string
	regulator     string
	manufacturers []string
	donor         string
}

var items = []string{"n95-respirator", "surgical-mask", "protective-suit", "goggles"}

var regions = []string{"420100", "330100", "110000", "440300", "320500", "420500", "330200", "370200"}

// capacityPerItem is each manufacturer's stock of each item; needs are
// at most 10 × 50 units, so two manufacturers cover 1,000 needs on one item.
const capacityPerItem = 300_000

// setUp registers the world and reports its capacity, recording both in
// the ledger like every other write (without Idempotency-Keys: nothing
// fails yet).
func setUp(t *testing.T, c *cluster, api *client, l *ledger) world {
	t.Helper()
	var w world
	org := func(name, role, region string) string {
		o := api.registerOrg(c.Operator, "", name, role, region)
		if !promise(t, l, &l.orgs, o, o.sent, http.StatusCreated) {
			t.FailNow()
		}
		return o.Token
	}
	for i := range 8 {
		w.hospitals = append(w.hospitals, org(fmt.Sprintf("Fault hospital %d", i), "hospital", regions[i%len(regions)]))
	}
	w.regulator = org("Fault regulator", "regulator", "110000")
	for i := range 2 {
		w.manufacturers = append(w.manufacturers, org(fmt.Sprintf("Fault manufacturer %d", i), "manufacturer", regions[(i*3)%len(regions)]))
		for _, item := range items {
			if r := api.reportCapacity(w, i, "", item, capacityPerItem); !promise(t, l, &l.reports, r, r.sent, http.StatusOK) {
				t.FailNow()
			}
		}
	}
	w.donor = org("Fault donor", "donor", "330100")
	return w
}

func facility(role string) any {
	if role == "hospital" {
		return "designated"
	}
	return nil
}

// sent is one write as the client sent it and the answer below 500 it
// finally got, kept so the checker can send it again.
type sent struct {
	Method, Path, Token, Key string
	Body                     any
	Code                     int
	Answer                   []byte
	// Failed: an attempt got a 5xx or a connection error before the answer.
	Failed bool
}

// send makes a write the careful way (write) and keeps it.
func (c *client) send(method, path, token, key string, body any) sent {
	code, raw, failed := c.write(method, path, token, key, body)
	return sent{Method: method, Path: path, Token: token, Key: key, Body: body, Code: code, Answer: raw, Failed: failed}
}

// names are the fields of an answer that name what it describes.
type names struct {
	ID           string `json:"id"`
	Token        string `json:"token"`
	TokenID      string `json:"token_id"`
	TrackingCode string `json:"tracking_code"`
}

// named reads the names in the answer.
func (s sent) named() names {
	var n names
	_ = json.Unmarshal(s.Answer, &n)
	return n
}

// posted is one need the client sent: what it asked, and the id of the
// 2xx answer.
type posted struct {
	sent
	Hospital int
	Item     string
	Quantity int64
	ID       string
}

// promises are every write answered with a 2xx, by kind.
type promises struct {
	needs     []posted
	reports   []report
	donations []pledge
	orgs      []org
	tokens    []grant
	// hooks, when set, receives the hospitals' webhooks.
	hooks *receiver
}

// ledger is what the client knows it was promised, written by the
// workload's goroutines.
type ledger struct {
	mu sync.Mutex
	promises
}

// add records under the ledger's lock.
func (l *ledger) add(f func()) {
	l.mu.Lock()
	f()
	l.mu.Unlock()
}

// promise records v, a write that got s, in list if s is the answer
// wanted, and says whether it was.
func promise[T any](t *testing.T, l *ledger, list *[]T, v T, s sent, want int) bool {
	if s.Code != want {
		t.Errorf("%s %s (key %q): %d %s, want %d", s.Method, s.Path, s.Key, s.Code, s.Answer, want)
		return false
	}
	l.add(func() { *list = append(*list, v) })
	return true
}

func (l *ledger) all() promises {
	l.mu.Lock()
	defer l.mu.Unlock()
	return promises{needs: slices.Clone(l.needs), reports: slices.Clone(l.reports), donations: slices.Clone(l.donations),
		orgs: slices.Clone(l.orgs), tokens: slices.Clone(l.tokens), hooks: l.hooks}
}

// postNeeds posts n needs from workers goroutines, each with its own
// Idempotency-Key (also written in the need's private note, so the checker
// can count what each key created). during, when set, runs once after
// faultAt needs were answered, while the others keep posting.
func postNeeds(t *testing.T, api *client, w world, l *ledger, prefix string, n, workers, faultAt int, during func()) {
	t.Helper()
	neededBy := time.Now().UTC().AddDate(0, 0, 10).Format("2006-01-02")
	var next, answered atomic.Int64
	var faultOnce sync.Once
	faultDone := make(chan struct{})
	if during == nil {
		close(faultDone)
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				key := fmt.Sprintf("%s-%04d", prefix, i)
				p := posted{Hospital: i % len(w.hospitals), Item: items[i%len(items)], Quantity: int64(10 * (1 + i%50))}
				body := map[string]any{"item": p.Item, "quantity": p.Quantity, "urgency": []string{"critical", "high", "normal"}[i%3], "needed_by": neededBy, "note": key}
				p.sent = api.send(http.MethodPost, "/v1/needs", w.hospitals[p.Hospital], key, body)
				if p.Code != http.StatusCreated {
					t.Errorf("need %s: %d %s", p.Key, p.Code, p.Answer)
					continue
				}
				if p.ID = p.named().ID; p.ID == "" {
					t.Errorf("need %s: no id in %s", p.Key, p.Answer)
					continue
				}
				l.add(func() { l.needs = append(l.needs, p) })
				if during != nil && answered.Add(1) == int64(faultAt) {
					go faultOnce.Do(func() { defer close(faultDone); during() })
				}
			}
		}()
	}
	wg.Wait()
	if during != nil {
		faultOnce.Do(func() { defer close(faultDone); during() }) // fewer answers than faultAt
	}
	<-faultDone
}

// waitFor polls cond until it holds or d passes; it returns cond's last
// explanation when it never held.
func waitFor(d time.Duration, cond func() (bool, string)) (bool, string) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		ok, why := cond()
		if ok {
			return true, ""
		}
		select {
		case <-ctx.Done():
			return false, why
		case <-time.After(time.Second): // each read is costly for the services
		}
	}
}
