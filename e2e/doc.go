// Package e2e holds the black-box tests of the whole system: they start the
// local stack (deploy/stack) on a free port and use only the public API in
// ../shared/API.md, as an outside program would.
package e2e
