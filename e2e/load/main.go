// Command load drives Aidflow through its gateway at a steady rate of need
// postings and reports how long each took from POST /v1/needs to the
// allocation being visible on GET /v1/needs/{id}, with throughput and the
// process's resource use. It is bounded in count and time and stops by
// itself; it only talks to the stack it starts (or -base on loopback).
//
//	go run ./e2e/load -rate 200 -duration 20s
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aidflow/aidflow/deploy/stack"
	"github.com/aidflow/aidflow/shared/logging"
)

func main() {
	rate := flag.Int("rate", 200, "need postings per second")
	duration := flag.Duration("duration", 20*time.Second, "how long to post (at most 10m)")
	base := flag.String("base", "", "a running stack's base URL on this machine (default: start one in a temp dir)")
	operator := flag.String("operator-token", "", "the operator token of -base")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the run (stack and tool) to this file")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "load:", err)
			os.Exit(1)
		}
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(*rate, min(*duration, 10*time.Minute), *base, *operator); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

var items = []string{"n95-respirator", "surgical-mask", "protective-suit", "goggles", "nitrile-gloves", "antigen-test-kit"}

var regions = []string{"420100", "330100", "110000", "440300", "320500", "420500", "330200", "370200"}

func run(rate int, duration time.Duration, base, operator string) error {
	ctx := context.Background()
	if base == "" {
		dir, err := os.MkdirTemp("", "aidflow-load-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		// Rate limits off: every simulated organization calls from this one
		// address and polls every 20 ms, so past about 40 postings/s the
		// default per-address limit would be measured instead of the pipeline.
		s, err := stack.Start(ctx, stack.Options{Addr: "127.0.0.1:0", DataDir: dir, StateFile: dir + "/local.json", Logger: logging.New("load", os.Stderr, "error"),
			Env: map[string]string{"AIDFLOW_RATE_LIMIT_ORG": "off", "AIDFLOW_RATE_LIMIT_ADDR": "off"}})
		if err != nil {
			return err
		}
		defer s.Close()
		if err := s.WaitReady(ctx); err != nil {
			return err
		}
		base, operator = s.BaseURL, s.OperatorToken
	}
	c := &client{base: base, http: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512}}}

	// Twenty hospitals in eight cities and five manufacturers with more
	// than the run can ask for, so every need is allocated.
	var hospitals []string
	for i := range 20 {
		tok, err := c.org(operator, fmt.Sprintf("Load hospital %d", i), "hospital", regions[i%len(regions)])
		if err != nil {
			return err
		}
		hospitals = append(hospitals, tok)
	}
	for i := range 5 {
		tok, err := c.org(operator, fmt.Sprintf("Load manufacturer %d", i), "manufacturer", regions[(i*3)%len(regions)])
		if err != nil {
			return err
		}
		for _, item := range items {
			body := map[string]any{"available_now": 50_000_000, "daily_rate": 1_000_000, "lead_time_days": 0}
			if code, raw, err := c.do("PUT", "/v1/capacity/"+item, tok, body); err != nil || code != 200 {
				return fmt.Errorf("capacity: %d %s: %w", code, raw, err)
			}
		}
	}
	time.Sleep(time.Second) // let the matcher take in the capacity reports

	var cpu0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &cpu0)
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failed    atomic.Int64
		wg        sync.WaitGroup
	)
	neededBy := time.Now().UTC().AddDate(0, 0, 10).Format("2006-01-02")
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	start := time.Now()
	posted := 0
	for time.Since(start) < duration {
		<-tick.C
		posted++
		wg.Add(1)
		go func() {
			defer wg.Done()
			hosp := hospitals[rand.IntN(len(hospitals))]
			body := map[string]any{"item": items[rand.IntN(len(items))], "quantity": 50 * (1 + rand.IntN(20)), "urgency": []string{"critical", "high", "normal"}[rand.IntN(3)], "needed_by": neededBy}
			t0 := time.Now()
			code, raw, err := c.do("POST", "/v1/needs", hosp, body)
			if err != nil || code != 201 {
				failed.Add(1)
				return
			}
			var need struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(raw, &need)
			for time.Since(t0) < 30*time.Second {
				code, raw, err := c.do("GET", "/v1/needs/"+need.ID, hosp, nil)
				if err == nil && code == 200 {
					var n struct {
						Allocated int64 `json:"allocated_quantity"`
					}
					if json.Unmarshal(raw, &n) == nil && n.Allocated > 0 {
						mu.Lock()
						latencies = append(latencies, time.Since(t0))
						mu.Unlock()
						return
					}
				}
				time.Sleep(20 * time.Millisecond) // the polling is load too; 20 ms bounds its share
			}
			failed.Add(1)
		}()
	}
	elapsed := time.Since(start)
	wg.Wait()
	wall := time.Since(start)
	var cpu1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &cpu1)
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)

	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(float64(len(latencies))*p))]
	}
	cpu := time.Duration(cpu1.Utime.Nano()+cpu1.Stime.Nano()-cpu0.Utime.Nano()-cpu0.Stime.Nano()) * time.Nanosecond
	fmt.Printf("| target rate | posted | achieved | allocated | failed | p50 | p95 | p99 | max | CPU (stack + tool) | heap |\n")
	fmt.Printf("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	fmt.Printf("| %d/s for %s | %d | %.0f/s | %d | %d | %s | %s | %s | %s | %.2f cores | %d MiB |\n",
		rate, duration, posted, float64(posted)/elapsed.Seconds(), len(latencies), failed.Load(),
		pct(.50).Round(time.Millisecond), pct(.95).Round(time.Millisecond), pct(.99).Round(time.Millisecond), pct(1).Round(time.Millisecond),
		cpu.Seconds()/wall.Seconds(), mem.HeapAlloc>>20)
	return nil
}

type client struct {
	base string
	http *http.Client
}

func (c *client) do(method, path, token string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
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

func (c *client) org(operator, name, role, region string) (string, error) {
	code, raw, err := c.do("POST", "/v1/orgs", operator, map[string]any{"name": name, "role": role, "region": region})
	if err != nil || code != 201 {
		return "", fmt.Errorf("create %s: %d %s: %w", role, code, raw, err)
	}
	var o struct {
		Token string `json:"token"`
	}
	return o.Token, json.Unmarshal(raw, &o)
}
