package service_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aidflow/aidflow/services/registry/service"
	"github.com/aidflow/aidflow/shared/testkit"
)

const operator = "operator-secret-for-tests"

func boot(t *testing.T) *service.Main {
	t.Helper()
	iss := testkit.NewIssuer(t)
	cfg := service.Config{Platform: testkit.PlatformConfig(t, service.Name, iss), SigningKey: iss.PrivateKey(), OperatorToken: operator}
	cfg.Platform.HTTPAddr = ""
	// Open's context bounds start-up only; cancelling it must not stop the
	// service's background work (the revocation follower once did).
	startCtx, started := context.WithTimeout(context.Background(), time.Minute)
	m, err := service.Open(startCtx, cfg)
	started()
	if err != nil {
		t.Fatal(err)
	}
	testkit.Run(t, m)
	return m
}

// call drives the service over HTTP and checks every answer against the
// OpenAPI document.
func call(t *testing.T, h http.Handler, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	r := testkit.Call(t, h, testkit.Checker(t, service.Name), method, path, token, body)
	return r.Status, r.Object()
}

func TestOrganizationsAndTokens(t *testing.T) {
	m := boot(t)
	h := m.Handler()

	code, org := call(t, h, "POST", "/v1/orgs", operator, `{"name":"Wuhan Designated Hospital","role":"hospital","region":"420100","facility_type":"designated"}`)
	if code != 201 || org["id"] == "" || org["token"] == "" || org["role"] != "hospital" || org["region"] != "420100" {
		t.Fatalf("create org: %d %v", code, org)
	}
	hosp := org["token"].(string)
	id := org["id"].(string)

	code, me := call(t, h, "GET", "/v1/me", hosp, "")
	if code != 200 || me["id"] != id || me["name"] != "Wuhan Designated Hospital" || me["role"] != "hospital" || me["region"] != "420100" {
		t.Fatalf("me: %d %v", code, me)
	}

	code, tok := call(t, h, "POST", "/v1/orgs/"+id+"/tokens", operator, "")
	if code != 201 || tok["token"] == "" {
		t.Fatalf("issue token: %d %v", code, tok)
	}
	second := tok["token"].(string)
	if code, _ := call(t, h, "GET", "/v1/me", second, ""); code != 200 {
		t.Fatalf("second token refused: %d", code)
	}

	code, _ = call(t, h, "DELETE", "/v1/tokens/"+tok["token_id"].(string), operator, "")
	if code != 200 {
		t.Fatalf("revoke: %d", code)
	}
	// Revocation travels over NATS and back to this service's verifier.
	testkit.Eventually(t, 5*time.Second, func() bool {
		c, _ := call(t, h, "GET", "/v1/me", second, "")
		return c == 401
	}, "revoked token refused within 5 s")
	if code, _ := call(t, h, "GET", "/v1/me", hosp, ""); code != 200 {
		t.Errorf("the other token must still work: %d", code)
	}
	if code, _ := call(t, h, "DELETE", "/v1/tokens/"+tok["token_id"].(string), operator, ""); code != 409 {
		t.Errorf("second revoke: %d, want 409", code)
	}
	if code, _ := call(t, h, "DELETE", "/v1/tokens/org_nope.tok_1", operator, ""); code != 404 {
		t.Errorf("revoke unknown: %d, want 404", code)
	}
}

// A create sent again with its Idempotency-Key after the process died
// between the write and the idempotency record (here: the record is
// deleted) answers the organization and token the first try created.
func TestCreateOrgRetriedAfterALostIdempotencyRecordCreatesOnce(t *testing.T) {
	m := boot(t)
	h := m.Handler()
	send := func(method, path, body string) (int, string) {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Authorization", "Bearer "+operator)
		req.Header.Set("Idempotency-Key", "create-once")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if _, err := m.P.DB.Collection("idempotency_keys").DeleteMany(context.Background(), bson.D{}); err != nil {
			t.Fatal(err)
		}
		return rec.Code, rec.Body.String()
	}
	body := `{"name":"Fever Clinic 7","role":"hospital","region":"420100","facility_type":"fever_clinic"}`
	code, first := send("POST", "/v1/orgs", body)
	if code != 201 {
		t.Fatalf("create: %d %s", code, first)
	}
	if code, again := send("POST", "/v1/orgs", body); code != 201 || again != first {
		t.Fatalf("the same create again: %d %s\nwant the first answer %s", code, again, first)
	}
	var org struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal([]byte(first), &org)
	code, tok := send("POST", "/v1/orgs/"+org.ID+"/tokens", "")
	if again, tokAgain := send("POST", "/v1/orgs/"+org.ID+"/tokens", ""); code != 201 || again != 201 || tokAgain != tok {
		t.Fatalf("the same token request again: %d %s, then %d %s", code, tok, again, tokAgain)
	}
	_, list := call(t, h, "GET", "/v1/orgs", operator, "")
	if items, _ := list["items"].([]any); len(items) != 1 {
		t.Errorf("%d organizations, want 1: %v", len(items), list)
	}
	// A revocation sent again the same way is done, not refused.
	var issued struct {
		TokenID string `json:"token_id"`
	}
	_ = json.Unmarshal([]byte(tok), &issued)
	if issued.TokenID == "" {
		t.Fatalf("no token id in %s", tok)
	}
	code, first = send("DELETE", "/v1/tokens/"+issued.TokenID, "")
	if again, revokedAgain := send("DELETE", "/v1/tokens/"+issued.TokenID, ""); code != 200 || again != 200 || revokedAgain != first {
		t.Fatalf("the same revocation again: %d %s, then %d %s", code, first, again, revokedAgain)
	}
	// Another revocation of a revoked token is refused.
	if code, p := call(t, h, "DELETE", "/v1/tokens/"+issued.TokenID, operator, ""); code != 409 {
		t.Fatalf("a new revocation of a revoked token: %d %v", code, p)
	}
}

func TestValidationAnswers422WithFields(t *testing.T) {
	h := boot(t).Handler()
	code, p := call(t, h, "POST", "/v1/orgs", operator, `{"name":"","role":"pharmacy","region":"12"}`)
	if code != 422 {
		t.Fatalf("status %d %v", code, p)
	}
	errs, _ := p["errors"].([]any)
	if len(errs) != 3 {
		t.Errorf("want one error per bad field, got %v", p["errors"])
	}
	if code, _ := call(t, h, "POST", "/v1/orgs", operator, `{"name":"X","role":"donor","region":"420100","status":"approved"}`); code != 400 {
		t.Errorf("unknown field: %d, want 400", code)
	}
}

// Every route, every role: who may do what.
func TestAuthorizationMatrix(t *testing.T) {
	m := boot(t)
	h := m.Handler()
	mk := func(role, region string) (string, string) {
		body := `{"name":"` + role + `","role":"` + role + `","region":"` + region + `"}`
		code, o := call(t, h, "POST", "/v1/orgs", operator, body)
		if code != 201 {
			t.Fatalf("create %s: %d %v", role, code, o)
		}
		return o["id"].(string), o["token"].(string)
	}
	hospID, hosp := mk("hospital", "420100")
	otherID, _ := mk("hospital", "330100")
	_, mfr := mk("manufacturer", "320500")
	_, donor := mk("donor", "330100")
	_, reg := mk("regulator", "110000")
	tokens := map[string]string{"none": "", "forged": "aft1.e30.AAAA", "hospital": hosp, "manufacturer": mfr, "donor": donor, "regulator": reg, "operator": operator}

	routes := []struct {
		method, path, body string
		allowed            map[string]int // role -> status; others get 403 (401 without a valid token)
	}{
		{"POST", "/v1/orgs", `{"name":"N","role":"donor","region":"420100"}`, map[string]int{"operator": 201}},
		{"GET", "/v1/orgs", "", map[string]int{"operator": 200, "regulator": 200}},
		{"GET", "/v1/orgs/" + hospID, "", map[string]int{"operator": 200, "regulator": 200, "hospital": 200, "manufacturer": 404, "donor": 404}},
		{"GET", "/v1/orgs/" + otherID, "", map[string]int{"operator": 200, "regulator": 200, "hospital": 404, "manufacturer": 404, "donor": 404}},
		{"POST", "/v1/orgs/" + otherID + "/tokens", "", map[string]int{"operator": 201}},
		{"DELETE", "/v1/tokens/" + otherID + ".tok_unknown", "", map[string]int{"operator": 404}},
		{"GET", "/v1/me", "", map[string]int{"operator": 200, "regulator": 200, "hospital": 200, "manufacturer": 200, "donor": 200}},
	}
	for _, r := range routes {
		for who, tok := range tokens {
			want, ok := r.allowed[who]
			switch {
			case who == "none" || who == "forged":
				want = 401
			case !ok:
				want = 403
			}
			code, body := call(t, h, r.method, r.path, tok, r.body)
			if code != want {
				t.Errorf("%s %s as %s: %d, want %d (%v)", r.method, r.path, who, code, want, body)
			}
		}
	}
}
