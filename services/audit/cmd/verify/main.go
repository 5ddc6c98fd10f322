// Command verify checks the audit log from outside, trusting only its
// published verifier key: a whole export against the signed checkpoints,
// or single inclusion and consistency proofs. See services/audit/README.md.
//
//	verify -key KEY -url BASE -token REGULATOR_TOKEN      fetch and check everything
//	verify -key KEY -export log.jsonl -checkpoints cps.json [-url BASE -token T]
//	verify -key KEY -inclusion proof.json
//	verify -key KEY -consistency proof.json [-from-checkpoint cp.json]
//
// It prints a JSON verdict and exits 0 when everything checks, 1 when
// something does not (the verdict names the first bad index), 2 on errors.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/aidflow/aidflow/services/audit/auditor"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// verdict is what verify prints.
type verdict struct {
	OK          bool            `json:"ok"`
	Export      *auditor.Result `json:"export,omitempty"`
	Inclusion   string          `json:"inclusion,omitempty"`
	Consistency string          `json:"consistency,omitempty"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("key", "", "the log's verifier key (aidflow.audit+<hash>+<base64>), from a source you trust; required")
	base := fs.String("url", "", "the audit service's base URL, to fetch what no file gives")
	token := fs.String("token", os.Getenv("AIDFLOW_TOKEN"), "a regulator's token for -url (default $AIDFLOW_TOKEN)")
	exportFile := fs.String("export", "", "JSON lines of records as GET /v1/audit/events serves them")
	saveExport := fs.String("save-export", "", "write the export fetched from -url to this file")
	cpFile := fs.String("checkpoints", "", "checkpoints as GET /v1/audit/checkpoints or /v1/public/checkpoint serve them")
	incFile := fs.String("inclusion", "", "an answer of GET /v1/audit/proof/inclusion to check")
	conFile := fs.String("consistency", "", "an answer of GET /v1/audit/proof/consistency to check")
	fromFile := fs.String("from-checkpoint", "", "the earlier checkpoint for -consistency, when the answer has none")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "verify:", err)
		return 2
	}
	if *key == "" {
		return fail(errors.New("-key is required: the verifier key is the only thing verify trusts"))
	}
	var client *auditor.Client
	if *base != "" {
		client = &auditor.Client{Base: *base, Token: *token}
	}
	v := verdict{OK: true}
	checked := false

	if *incFile != "" {
		checked = true
		var p auditor.InclusionProof
		if err := readJSON(*incFile, &p); err != nil {
			return fail(err)
		}
		cp, err := auditor.CheckInclusion(p, *key)
		if err != nil {
			v.OK, v.Inclusion = false, err.Error()
		} else {
			v.Inclusion = fmt.Sprintf("record %d is in the tree of size %d signed with root %s", p.Index, cp.Size, cp.Root)
		}
	}
	if *conFile != "" {
		checked = true
		var p auditor.ConsistencyProof
		if err := readJSON(*conFile, &p); err != nil {
			return fail(err)
		}
		var from *auditor.CheckpointJSON
		if *fromFile != "" {
			from = new(auditor.CheckpointJSON)
			if err := readJSON(*fromFile, from); err != nil {
				return fail(err)
			}
		}
		old, cur, err := auditor.CheckConsistency(p, from, *key)
		if err != nil {
			v.OK, v.Consistency = false, err.Error()
		} else {
			v.Consistency = fmt.Sprintf("the tree of size %d is a prefix of the tree of size %d", old.Size, cur.Size)
		}
	}
	if *exportFile != "" || (client != nil && *incFile == "" && *conFile == "") {
		checked = true
		res, err := verifyExport(ctx, client, *exportFile, *saveExport, *cpFile, *key)
		if err != nil {
			return fail(err)
		}
		v.Export = &res
		v.OK = v.OK && res.OK
	}
	if !checked {
		return fail(errors.New("nothing to check: give -export, -url, -inclusion or -consistency"))
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fail(err)
	}
	if !v.OK {
		return 1
	}
	return 0
}

func verifyExport(ctx context.Context, client *auditor.Client, exportFile, saveExport, cpFile, key string) (auditor.Result, error) {
	var recs []auditor.Record
	if exportFile != "" {
		f, err := os.Open(exportFile)
		if err != nil {
			return auditor.Result{}, err
		}
		defer f.Close()
		if recs, err = auditor.ReadExport(f); err != nil {
			return auditor.Result{}, err
		}
	} else {
		lines, err := client.Export(ctx)
		if err != nil {
			return auditor.Result{}, err
		}
		if saveExport != "" {
			if err := writeExport(saveExport, lines); err != nil {
				return auditor.Result{}, err
			}
		}
		for _, l := range lines {
			r, err := l.Record()
			if err != nil {
				return auditor.Result{}, err
			}
			recs = append(recs, r)
		}
	}
	var notes [][]byte
	switch {
	case cpFile != "":
		f, err := os.Open(cpFile)
		if err != nil {
			return auditor.Result{}, err
		}
		defer f.Close()
		if notes, err = auditor.ReadCheckpoints(f); err != nil {
			return auditor.Result{}, err
		}
	case client != nil:
		var err error
		if notes, err = client.Checkpoints(ctx); err != nil {
			return auditor.Result{}, err
		}
	default:
		return auditor.Result{}, errors.New("no checkpoints: give -checkpoints or -url")
	}
	cps, err := auditor.OpenCheckpoints(notes, key)
	if err != nil {
		return auditor.Result{}, err
	}
	var prover auditor.Prover
	if client != nil {
		prover = client
	}
	return auditor.VerifyExport(ctx, recs, cps, prover)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func writeExport(path string, lines []auditor.Line) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := auditor.WriteExport(f, lines); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
