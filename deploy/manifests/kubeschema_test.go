package manifests

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	k8syaml "sigs.k8s.io/yaml"
)

// What kubeconform -strict does with the Kubernetes JSON schemas, done
// offline with the API's own Go types: every object is decoded strictly
// (unknown or misspelled fields, duplicate keys and wrong types fail, field
// names case-sensitive, as the API server's strict field validation) into
// the type its apiVersion and kind name; a kind the API does not serve
// fails. Then a few checks the schemas' required fields and formats make
// (validateObject). The objects are the kustomizations' output, rendered as
// `kubectl kustomize` renders them (krusty, the library it embeds).

// strictDecoder knows the GA API groups a cluster serves: core, apps,
// batch, policy, networking, RBAC and autoscaling/v2. Beta and removed
// versions (policy/v1beta1, extensions/v1beta1, ...) are unknown on purpose.
var strictDecoder = func() runtime.Decoder {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, policyv1.AddToScheme,
		networkingv1.AddToScheme, rbacv1.AddToScheme, autoscalingv2.AddToScheme,
	} {
		utilruntime.Must(add(s))
	}
	return serializer.NewCodecFactory(s, serializer.EnableStrict).UniversalDeserializer()
}()

// renderKustomization builds the kustomization in dir as `kubectl
// kustomize dir` does: patches must apply and every name resolve. Its
// options are kubectl's (no reorder flag: the legacy order, Namespace
// first), so the output is the same, byte for byte (deploy/README.md).
func renderKustomization(fsys filesys.FileSystem, dir string) ([][]byte, error) {
	o := krusty.MakeDefaultOptions()
	o.Reorder = krusty.ReorderOptionUnspecified
	m, err := krusty.MakeKustomizer(o).Run(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize %s: %w", dir, err)
	}
	var docs [][]byte
	for _, r := range m.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			return nil, fmt.Errorf("kustomize %s: %s: %w", dir, r.CurId(), err)
		}
		docs = append(docs, y)
	}
	return docs, nil
}

// validateKustomization renders the kustomization in dir and validates
// every object it outputs; it returns the objects and every error.
func validateKustomization(fsys filesys.FileSystem, dir string) ([]runtime.Object, error) {
	docs, err := renderKustomization(fsys, dir)
	if err != nil {
		return nil, err
	}
	var objs []runtime.Object
	var errs []error
	for _, d := range docs {
		o, err := validateObject(d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		objs = append(objs, o)
	}
	return objs, errors.Join(errs...)
}

// validateObject decodes one YAML document strictly into its typed object
// and checks what the schemas require of it. The error names the object.
func validateObject(doc []byte) (runtime.Object, error) {
	// What the document says it is, read leniently, to name it in errors.
	var id metav1.PartialObjectMetadata
	_ = k8syaml.Unmarshal(doc, &id)
	name := id.APIVersion + " " + id.Kind + " " + id.Name
	obj, _, err := strictDecoder.Decode(doc, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if errs := checkObject(obj); len(errs) > 0 {
		return nil, fmt.Errorf("%s: %w", name, errs.ToAggregate())
	}
	return obj, nil
}

// checkObject is what the schemas (and, for selectors, the API server's
// validation) require beyond types: names, labels, selectors that select
// their own pods, containers with a name and an image, ports in range.
// Quantities need nothing here: they do not decode unless they parse.
func checkObject(obj runtime.Object) field.ErrorList {
	meta, ok := obj.(metav1.Object)
	if !ok {
		return field.ErrorList{field.InternalError(nil, fmt.Errorf("%T has no metadata", obj))}
	}
	md := field.NewPath("metadata")
	errs := metav1validation.ValidateLabels(meta.GetLabels(), md.Child("labels"))
	errs = append(errs, checkName(meta.GetName(), validation.IsDNS1123Subdomain, md.Child("name"))...)
	spec := field.NewPath("spec")
	switch o := obj.(type) {
	case *appsv1.Deployment:
		errs = append(errs, checkWorkload(o.Spec.Selector, &o.Spec.Template, spec)...)
	case *appsv1.StatefulSet:
		errs = append(errs, checkWorkload(o.Spec.Selector, &o.Spec.Template, spec)...)
	case *appsv1.DaemonSet:
		errs = append(errs, checkWorkload(o.Spec.Selector, &o.Spec.Template, spec)...)
	case *batchv1.Job:
		errs = append(errs, checkPodSpec(&o.Spec.Template.Spec, spec.Child("template", "spec"))...)
	case *corev1.Service:
		errs = append(errs, checkName(o.Name, validation.IsDNS1035Label, md.Child("name"))...)
		for i, p := range o.Spec.Ports {
			pp := spec.Child("ports").Index(i)
			errs = append(errs, checkPortNum(int(p.Port), pp.Child("port"))...)
			errs = append(errs, checkPortRef(p.TargetPort, nil, pp.Child("targetPort"), true)...)
		}
	case *policyv1.PodDisruptionBudget:
		if (o.Spec.MinAvailable == nil) == (o.Spec.MaxUnavailable == nil) {
			errs = append(errs, field.Invalid(spec, "", "exactly one of minAvailable and maxUnavailable"))
		}
		errs = append(errs, checkSelector(o.Spec.Selector, spec.Child("selector"))...)
	case *networkingv1.NetworkPolicy:
		errs = append(errs, checkSelector(&o.Spec.PodSelector, spec.Child("podSelector"))...)
		for i, r := range o.Spec.Ingress {
			errs = append(errs, checkPolicyPorts(r.Ports, spec.Child("ingress").Index(i).Child("ports"))...)
		}
		for i, r := range o.Spec.Egress {
			errs = append(errs, checkPolicyPorts(r.Ports, spec.Child("egress").Index(i).Child("ports"))...)
		}
	case *networkingv1.Ingress:
		errs = append(errs, checkIngress(o, spec)...)
	case *corev1.ConfigMap:
		for k := range o.Data {
			for _, msg := range validation.IsConfigMapKey(k) {
				errs = append(errs, field.Invalid(field.NewPath("data").Key(k), k, msg))
			}
		}
	case *corev1.Secret:
		for k := range o.StringData {
			for _, msg := range validation.IsConfigMapKey(k) {
				errs = append(errs, field.Invalid(field.NewPath("stringData").Key(k), k, msg))
			}
		}
	}
	return errs
}

// checkName: a name is required and must have the form the kind allows.
func checkName(name string, valid func(string) []string, p *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	for _, msg := range valid(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}

// checkWorkload: a selector is required and must select the template's
// pods, or the controller never counts the pods it creates.
func checkWorkload(sel *metav1.LabelSelector, tmpl *corev1.PodTemplateSpec, spec *field.Path) field.ErrorList {
	errs := checkSelector(sel, spec.Child("selector"))
	lp := spec.Child("template", "metadata", "labels")
	errs = append(errs, metav1validation.ValidateLabels(tmpl.Labels, lp)...)
	if len(errs) == 0 {
		s, _ := metav1.LabelSelectorAsSelector(sel) // valid: checked above
		if !s.Matches(labels.Set(tmpl.Labels)) {
			errs = append(errs, field.Invalid(lp, tmpl.Labels, "selector "+s.String()+" does not match the template's labels"))
		}
	}
	return append(errs, checkPodSpec(&tmpl.Spec, spec.Child("template", "spec"))...)
}

// checkSelector: present, not empty (an empty one selects every pod of
// the namespace), and well formed.
func checkSelector(sel *metav1.LabelSelector, p *field.Path) field.ErrorList {
	if sel == nil || len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		return field.ErrorList{field.Required(p, "a non-empty selector")}
	}
	return metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, p)
}

func checkPodSpec(pod *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(pod.Containers) == 0 {
		errs = append(errs, field.Required(p.Child("containers"), ""))
	}
	for i := range pod.InitContainers {
		errs = append(errs, checkContainer(&pod.InitContainers[i], p.Child("initContainers").Index(i))...)
	}
	for i := range pod.Containers {
		errs = append(errs, checkContainer(&pod.Containers[i], p.Child("containers").Index(i))...)
	}
	return errs
}

func checkContainer(c *corev1.Container, p *field.Path) field.ErrorList {
	errs := checkName(c.Name, validation.IsDNS1123Label, p.Child("name"))
	if c.Image == "" {
		errs = append(errs, field.Required(p.Child("image"), ""))
	}
	for i, port := range c.Ports {
		pp := p.Child("ports").Index(i)
		errs = append(errs, checkPortNum(int(port.ContainerPort), pp.Child("containerPort"))...)
		if port.Name != "" {
			for _, msg := range validation.IsValidPortName(port.Name) {
				errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msg))
			}
		}
	}
	for i, e := range c.Env {
		ep := p.Child("env").Index(i)
		for _, msg := range validation.IsEnvVarName(e.Name) {
			errs = append(errs, field.Invalid(ep.Child("name"), e.Name, msg))
		}
		if e.Value != "" && e.ValueFrom != nil {
			errs = append(errs, field.Invalid(ep, e.Name, "both value and valueFrom"))
		}
	}
	for name, probe := range map[string]*corev1.Probe{"readinessProbe": c.ReadinessProbe, "livenessProbe": c.LivenessProbe, "startupProbe": c.StartupProbe} {
		if probe != nil && probe.HTTPGet != nil {
			errs = append(errs, checkPortRef(probe.HTTPGet.Port, c.Ports, p.Child(name, "httpGet", "port"), false)...)
		}
	}
	for r, q := range c.Resources.Requests {
		if l, ok := c.Resources.Limits[r]; ok && q.Cmp(l) > 0 {
			errs = append(errs, field.Invalid(p.Child("resources", "requests").Key(string(r)), q.String(), "more than its limit "+l.String()))
		}
	}
	return errs
}

func checkPortNum(n int, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsValidPortNum(n) {
		errs = append(errs, field.Invalid(p, n, msg))
	}
	return errs
}

// checkPortRef checks a port given by number or by name; a name must be
// one of ports unless anyName (a Service's targetPort names the pods' port).
func checkPortRef(port intstr.IntOrString, ports []corev1.ContainerPort, p *field.Path, anyName bool) field.ErrorList {
	if port.Type == intstr.Int {
		return checkPortNum(port.IntValue(), p)
	}
	var errs field.ErrorList
	for _, msg := range validation.IsValidPortName(port.StrVal) {
		errs = append(errs, field.Invalid(p, port.StrVal, msg))
	}
	if anyName || len(errs) > 0 {
		return errs
	}
	for _, c := range ports {
		if c.Name == port.StrVal {
			return nil
		}
	}
	return field.ErrorList{field.NotFound(p, port.StrVal)}
}

func checkPolicyPorts(ports []networkingv1.NetworkPolicyPort, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, port := range ports {
		if port.Port != nil {
			errs = append(errs, checkPortRef(*port.Port, nil, p.Index(i).Child("port"), true)...)
		}
	}
	return errs
}

func checkIngress(ing *networkingv1.Ingress, spec *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, rule := range ing.Spec.Rules {
		if rule.HTTP == nil {
			continue
		}
		for j, path := range rule.HTTP.Paths {
			pp := spec.Child("rules").Index(i).Child("http", "paths").Index(j)
			if !strings.HasPrefix(path.Path, "/") {
				errs = append(errs, field.Invalid(pp.Child("path"), path.Path, "must begin with /"))
			}
			switch t := path.PathType; {
			case t == nil:
				errs = append(errs, field.Required(pp.Child("pathType"), ""))
			case *t != networkingv1.PathTypeExact && *t != networkingv1.PathTypePrefix && *t != networkingv1.PathTypeImplementationSpecific:
				errs = append(errs, field.NotSupported(pp.Child("pathType"), *t, []networkingv1.PathType{networkingv1.PathTypeExact, networkingv1.PathTypePrefix, networkingv1.PathTypeImplementationSpecific}))
			}
			svc := path.Backend.Service
			if svc == nil || svc.Name == "" {
				errs = append(errs, field.Required(pp.Child("backend", "service", "name"), ""))
				continue
			}
			if svc.Port.Name == "" {
				errs = append(errs, checkPortNum(int(svc.Port.Number), pp.Child("backend", "service", "port", "number"))...)
			}
		}
	}
	return errs
}

// k8sDirs are the kustomizations: the base and every overlay.
func k8sDirs(t *testing.T) []string {
	t.Helper()
	overlays, err := os.ReadDir(filepath.Join(root, "deploy", "k8s", "overlays"))
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{"base"}
	for _, o := range overlays {
		if o.IsDir() {
			dirs = append(dirs, filepath.Join("overlays", o.Name()))
		}
	}
	if len(dirs) < 2 {
		t.Fatal("no overlay in deploy/k8s/overlays")
	}
	return dirs
}

// resourceDocs counts the documents of a kustomization's resources: its
// files' and, for a directory (an overlay's base), that kustomization's.
func resourceDocs(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	k := readYAMLDocs(t, filepath.Join(dir, "kustomization.yaml"))[0]
	for _, r := range get(t, k, "resources").([]any) {
		p := filepath.Join(dir, str(r))
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			n += resourceDocs(t, p)
			continue
		}
		n += len(readYAMLDocs(t, p))
	}
	return n
}

// TestKubernetesManifestsValidate renders the base and every overlay and
// validates every object, and the Secret template (applied out of band).
// Each kustomization outputs exactly the documents of its resources:
// patches change objects, they add none.
func TestKubernetesManifestsValidate(t *testing.T) {
	fsys := filesys.MakeFsOnDisk()
	for _, dir := range k8sDirs(t) {
		t.Run(dir, func(t *testing.T) {
			abs := filepath.Join(root, "deploy", "k8s", dir)
			want := resourceDocs(t, abs)
			objs, err := validateKustomization(fsys, abs)
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) != want {
				t.Errorf("%s renders %d objects, its resources hold %d", dir, len(objs), want)
			}
			kinds := map[string]int{}
			for _, o := range objs {
				kinds[o.GetObjectKind().GroupVersionKind().Kind]++
			}
			t.Logf("%s: %d objects, all valid: %v", dir, len(objs), kinds)
		})
	}
	tmpl := filepath.Join(root, "deploy", "k8s", "base", "secret-template.yaml")
	if n := len(readYAMLDocs(t, tmpl)); n != 1 {
		t.Fatalf("secret-template.yaml holds %d documents, want the one Secret", n)
	}
	b, err := os.ReadFile(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if o, err := validateObject(b); err != nil {
		t.Errorf("secret-template.yaml: %v", err)
	} else if _, ok := o.(*corev1.Secret); !ok {
		t.Errorf("secret-template.yaml holds a %T, want a Secret", o)
	}
}

// brokenBase is a small valid kustomization: each case of
// TestKubernetesValidationRejects breaks it in one place.
var brokenBase = map[string]string{
	"kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [app.yaml]
patches:
  - path: patch.yaml
`,
	// A strategic merge patch, as the production overlay's.
	"patch.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
`,
	"app.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web, tier: front}
    spec:
      containers:
        - name: web
          image: example/web:1
          ports:
            - {name: http, containerPort: 8080}
          env:
            - {name: LOG_LEVEL, value: info}
          readinessProbe:
            httpGet: {path: /readyz, port: http}
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {memory: 128Mi}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - {name: http, port: 8080, targetPort: http}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: web}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 8080}}}}
`,
}

// TestKubernetesValidationRejects proves the validation can fail: each
// case changes one thing in brokenBase, and validateKustomization, the
// function that passes the real manifests, must reject it for that reason.
func TestKubernetesValidationRejects(t *testing.T) {
	cases := []struct {
		name, file, old, new string
		want                 string // in the error; "" = valid
	}{
		{name: "unchanged is valid"},
		{"misspelled field", "app.yaml", "containerPort:", "containrPort:", `unknown field "spec.template.spec.containers[0].ports[0].containrPort"`},
		{"field in the wrong case", "app.yaml", "image:", "Image:", `unknown field "spec.template.spec.containers[0].Image"`},
		{"field at the wrong level", "app.yaml", "      containers:", "      replicas: 1\n      containers:", `unknown field "spec.template.spec.replicas"`},
		{"duplicate field", "app.yaml", "  maxUnavailable: 1", "  maxUnavailable: 1\n  maxUnavailable: 2", `mapping key "maxUnavailable" already defined`},
		{"wrong type: string for a number", "app.yaml", "port: 8080, targetPort", `port: "8080", targetPort`, "ServicePort.spec.ports.port of type int32"},
		{"wrong type: number for a string", "app.yaml", "value: info", "value: 3", "EnvVar.spec.template.spec.containers.env.value of type string"},
		{"wrong type: map for a list", "app.yaml", "            - {name: LOG_LEVEL, value: info}", "            LOG_LEVEL: info", "Container.spec.template.spec.containers.env of type []v1.EnvVar"},
		{"quantity that does not parse", "app.yaml", "cpu: 100m", "cpu: lots", "quantities must match the regular expression"},
		{"unknown kind", "app.yaml", "kind: PodDisruptionBudget", "kind: PodDisruptionBudgets", `no kind "PodDisruptionBudgets" is registered for version "policy/v1"`},
		{"removed apiVersion", "app.yaml", "apiVersion: policy/v1", "apiVersion: policy/v1beta1", `no kind "PodDisruptionBudget" is registered for version "policy/v1beta1"`},
		{"selector does not match the template", "app.yaml", "labels: {app: web, tier: front}", "labels: {app: webb, tier: front}", "selector app=web does not match the template's labels"},
		{"no selector", "app.yaml", "  selector:\n    matchLabels: {app: web}\n  template", "  template", "spec.selector: Required value"},
		{"container without image", "app.yaml", "          image: example/web:1\n", "", "spec.template.spec.containers[0].image: Required value"},
		{"container without name", "app.yaml", "        - name: web\n          image", "        - image", "spec.template.spec.containers[0].name: Required value"},
		{"port out of range", "app.yaml", "containerPort: 8080", "containerPort: 80800", "containers[0].ports[0].containerPort: Invalid value: 80800: must be between 1 and 65535"},
		{"probe on a port the container lacks", "app.yaml", "port: http}", "port: https}", `readinessProbe.httpGet.port: Not found: "https"`},
		{"request over its limit", "app.yaml", "memory: 64Mi", "memory: 256Mi", "resources.requests[memory]: Invalid value: \"256Mi\": more than its limit 128Mi"},
		{"invalid env name", "app.yaml", "name: LOG_LEVEL", "name: LOG LEVEL", "env[0].name: Invalid value: \"LOG LEVEL\""},
		{"PDB with both bounds", "app.yaml", "  maxUnavailable: 1", "  maxUnavailable: 1\n  minAvailable: 1", "exactly one of minAvailable and maxUnavailable"},
		{"Ingress path type unknown", "app.yaml", "pathType: Prefix", "pathType: Prefixed", `pathType: Unsupported value: "Prefixed"`},
		{"Service name not a DNS label", "app.yaml", "kind: Service\nmetadata:\n  name: web", "kind: Service\nmetadata:\n  name: 1web", "metadata.name: Invalid value: \"1web\""},
		{"patch on a missing object", "patch.yaml", "name: web", "name: webb", "no resource matches strategic merge patch"},
		{"missing resource file", "kustomization.yaml", "[app.yaml]", "[app.yaml, db.yaml]", "db.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fsys := filesys.MakeFsInMemory()
			for f, body := range brokenBase {
				if f == c.file {
					if !strings.Contains(body, c.old) {
						t.Fatalf("%s does not contain %q: the case breaks nothing", f, c.old)
					}
					body = strings.Replace(body, c.old, c.new, 1)
				}
				if err := fsys.WriteFile(filepath.Join("/app", f), []byte(body)); err != nil {
					t.Fatal(err)
				}
			}
			objs, err := validateKustomization(fsys, "/app")
			wantError(t, err, c.want)
			if c.want == "" && len(objs) != 4 {
				t.Fatalf("%d objects, want 4", len(objs))
			}
		})
	}
}

// TestValidateObjectRejects: the Secret template is validated without
// kustomize, which catches duplicate keys first for the kustomizations;
// here the strict decoder alone must catch them, and a document that
// names no kind.
func TestValidateObjectRejects(t *testing.T) {
	const secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: keys\nstringData:\n  a: x\n"
	cases := []struct{ name, doc, want string }{
		{"valid", secret, ""},
		{"duplicate key", secret + "  a: z\n", `key "a" already set in map`},
		// YAML 1.1: y is true, not a string.
		{"boolean for a string", strings.Replace(secret, "a: x", "a: y", 1), "Secret.stringData of type string"},
		{"no kind", strings.Replace(secret, "kind: Secret\n", "", 1), "Object 'Kind' is missing"},
		{"invalid data key", strings.Replace(secret, "  a: x", "  a/b: x", 1), `stringData[a/b]: Invalid value: "a/b"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := validateObject([]byte(c.doc))
			wantError(t, err, c.want)
		})
	}
}

// wantError: err says want, or there is none if want is "".
func wantError(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("valid, but rejected: %v", err)
	case want != "" && err == nil:
		t.Fatalf("accepted, want an error with %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Fatalf("error %q does not say %q", err, want)
	}
}
