package domain

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Origin names this log in its checkpoints (the first line of the body).
const Origin = "aidflow.audit"

// Checkpoint is a signed statement of the log's size and root hash.
//
// The body is the C2SP tlog-checkpoint layout, three lines:
//
//	aidflow.audit
//	<size, decimal>
//	<root hash, base64>
//
// signed in golang.org/x/mod/sumdb/note format with Ed25519, so
// note.Open with the published verifier key checks it.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	// Note is the whole signed note: body, blank line, signature line.
	Note []byte
	// Time is when it was signed; not part of the signed body.
	Time time.Time
}

// Signature returns the Ed25519 signature in the note, base64 (without
// the note's 4-byte key hash prefix).
func (c Checkpoint) Signature() string {
	_, sigs, ok := bytes.Cut(c.Note, []byte("\n\n"))
	if !ok {
		return ""
	}
	// "— <name> <base64(keyhash || signature)>\n"
	line, _, _ := bytes.Cut(sigs, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) != 3 {
		return ""
	}
	raw, err := base64.StdEncoding.DecodeString(f[2])
	if err != nil || len(raw) != 4+ed25519.SignatureSize {
		return ""
	}
	return base64.StdEncoding.EncodeToString(raw[4:])
}

// FormatBody returns the checkpoint body for a tree.
func FormatBody(origin string, size int64, root tlog.Hash) string {
	return fmt.Sprintf("%s\n%d\n%s\n", origin, size, root)
}

// ParseBody reads a checkpoint body; extension lines after the third are
// allowed and ignored.
func ParseBody(text string) (origin string, size int64, root tlog.Hash, err error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		return "", 0, tlog.Hash{}, errors.New("checkpoint: want origin, size and root hash lines")
	}
	size, err = strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || lines[1] != strconv.FormatInt(size, 10) {
		return "", 0, tlog.Hash{}, errors.New("checkpoint: malformed size")
	}
	root, err = tlog.ParseHash(lines[2])
	if err != nil {
		return "", 0, tlog.Hash{}, errors.New("checkpoint: malformed root hash")
	}
	return lines[0], size, root, nil
}

// Signer signs checkpoints with the log's Ed25519 key.
type Signer struct {
	signer   note.Signer
	verifier note.Verifier
	vkey     string
}

// NewSigner signs as keyName (a note key name; Origin unless the key
// says otherwise) with priv.
func NewSigner(keyName string, priv ed25519.PrivateKey) (*Signer, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, errors.New("signing key: not an Ed25519 private key")
	}
	vkey, err := note.NewEd25519VerifierKey(keyName, priv.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	// A note signer key is "PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)>"
	// where <hash> is the verifier key's; build it from the verifier key so
	// note.NewSigner checks the pair.
	f := strings.SplitN(vkey, "+", 3)
	skey := "PRIVATE+KEY+" + keyName + "+" + f[1] + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, priv.Seed()...))
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return &Signer{signer: s, verifier: v, vkey: vkey}, nil
}

// ParseSigningKey reads AIDFLOW_AUDIT_SIGNING_KEY in either form:
//   - a note signer key as note.GenerateKey makes it,
//     "PRIVATE+KEY+aidflow.audit+<hash>+<base64>"; its name is the key name;
//   - the base64 of a 32-byte Ed25519 seed (the form the token key uses);
//     the key name is then Origin.
func ParseSigningKey(s string) (keyName string, priv ed25519.PrivateKey, err error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "PRIVATE+KEY+") {
		if _, err := note.NewSigner(s); err != nil {
			return "", nil, fmt.Errorf("not a valid note signer key: %w", err)
		}
		f := strings.SplitN(s, "+", 5) // the base64 key may itself hold '+'
		raw, _ := base64.StdEncoding.DecodeString(f[4])
		return f[2], ed25519.NewKeyFromSeed(raw[1:]), nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != ed25519.SeedSize {
		return "", nil, fmt.Errorf("must be a note signer key (PRIVATE+KEY+...) or the base64 of a %d-byte Ed25519 seed", ed25519.SeedSize)
	}
	return Origin, ed25519.NewKeyFromSeed(b), nil
}

// VerifierKey is the public verifier key in note format
// ("<name>+<hash>+<base64>"), published with every checkpoint.
func (s *Signer) VerifierKey() string { return s.vkey }

// Verifier is the note verifier of this key.
func (s *Signer) Verifier() note.Verifier { return s.verifier }

// Sign returns the checkpoint of a tree of size records with root.
func (s *Signer) Sign(size int64, root tlog.Hash, now time.Time) (Checkpoint, error) {
	msg, err := note.Sign(&note.Note{Text: FormatBody(Origin, size, root)}, s.signer)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("sign checkpoint: %w", err)
	}
	return Checkpoint{Origin: Origin, Size: size, Root: root, Note: msg, Time: now.UTC().Truncate(time.Millisecond)}, nil
}

// OpenCheckpoint checks a signed note against a verifier key and returns
// the checkpoint it states: what a follower of the public checkpoints does.
func OpenCheckpoint(msg []byte, vkey string) (Checkpoint, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return Checkpoint{}, err
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, err
	}
	origin, size, root, err := ParseBody(n.Text)
	if err != nil {
		return Checkpoint{}, err
	}
	return Checkpoint{Origin: origin, Size: size, Root: root, Note: msg}, nil
}
