// Package manifests holds the checks of the production manifests
// (deploy/compose and deploy/k8s), run by go test without Docker or a
// cluster: every variable a service requires is set, the ingress routes
// exactly as the local gateway (deploy/stack.Routes), and every Deployment
// has probes, requests and a non-root security context. They also validate
// the files as kubeconform -strict and docker compose config would, in
// process: kustomize renders each kustomization, every object decodes
// strictly into its Kubernetes API type, and compose-go loads compose.yaml.
package manifests
