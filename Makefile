# Aidflow's developer and CI entry points. CI runs `make test` via .ci/run.
GO      ?= go
GOLANGCI_LINT_VERSION ?= v2.15.0
# Packages of every workspace module (go.work): `go test ./...` at the root
# does not see them.
PKGS    := work

.PHONY: run demo test test-short e2e fuzz lint bench fmt vet tidy tools images

## run: the whole system on one machine (embedded NATS and database)
run:
	$(GO) run ./deploy/local

## demo: the same with the demo data set loaded
demo:
	$(GO) run ./deploy/local --demo

## test: every module's tests with the race detector, e2e included
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 30m $(PKGS)

## test-short: the fast layers only (skips what boots the whole stack)
test-short:
	$(GO) test -short -count=1 $(PKGS)

## e2e: the black-box suite against the whole stack
e2e:
	$(GO) test -race -count=1 -timeout 20m ./e2e/...

## fuzz: every Fuzz* target of every module for FUZZTIME each (default
## 4s), found by name (.ci/fuzz); CI runs it after `make test`
FUZZTIME ?= 4s
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) .ci/fuzz

## lint: golangci-lint over every module
lint:
	@command -v golangci-lint >/dev/null || $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	@for m in $$($(GO) list -m -f '{{.Dir}}'); do echo "lint $$m"; (cd $$m && golangci-lint run ./...) || exit 1; done

## bench: the benchmarks (results are written in the READMEs)
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet $(PKGS)

## tidy: go mod tidy in every module (FerretDB is pinned; see DESIGN gotchas)
tidy:
	@for m in $$($(GO) list -m -f '{{.Dir}}'); do (cd $$m && GOFLAGS=-mod=mod $(GO) mod tidy) || exit 1; done

## images: one container image per service (needs a Docker engine with
## BuildKit; deploy/docker/Dockerfile). IMAGE_PREFIX and IMAGE_TAG name them.
SERVICES     := registry demand supply donation matcher audit disclosure console notify
IMAGE_PREFIX ?= aidflow
IMAGE_TAG    ?= dev
images:
	@for s in $(SERVICES); do \
		echo "image $(IMAGE_PREFIX)/$$s:$(IMAGE_TAG)"; \
		DOCKER_BUILDKIT=1 docker build -f deploy/docker/Dockerfile --build-arg SERVICE=$$s -t $(IMAGE_PREFIX)/$$s:$(IMAGE_TAG) . || exit 1; \
	done
