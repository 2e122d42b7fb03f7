package deploy

// Checks of the deployment artifacts (Dockerfile, deploy/compose.yaml,
// deploy/k8s): what can be validated without a container engine or a
// cluster. They live in a module of their own, so that BuildKit's,
// compose-go's and Kubernetes' module graphs stay out of Velro's go.mod.
// The environment each deployment gives Velro is written to
// environments.json, which cmd/velro's TestDeployEnvironments runs through
// Velro's own configuration parser.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"maps"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	k8syaml "sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite environments.json")

const repoRoot = ".."

func repoFile(t *testing.T, rel string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	n, perr := strconv.Atoi(p)
	if err != nil || perr != nil {
		t.Fatalf("no port in %q", addr)
	}
	return n
}

// shutdownTimeout is the VELRO_SHUTDOWN_TIMEOUT a deployment sets: each
// sets it, since its grace period is judged against it.
func shutdownTimeout(t *testing.T, where string, e map[string]string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(e["VELRO_SHUTDOWN_TIMEOUT"])
	if err != nil {
		t.Fatalf("%s: VELRO_SHUTDOWN_TIMEOUT %q: %v", where, e["VELRO_SHUTDOWN_TIMEOUT"], err)
	}
	return d
}

func TestDeployYAMLParses(t *testing.T) {
	n := 0
	err := filepath.WalkDir(filepath.Join(repoRoot, "deploy"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || (filepath.Ext(p) != ".yaml" && filepath.Ext(p) != ".yml") {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		for {
			var doc any
			if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Errorf("%s: %v", p, err)
				break
			}
			if doc == nil {
				t.Errorf("%s: an empty document", p)
			}
		}
		n++
		return nil
	})
	if err != nil || n < 10 {
		t.Fatalf("parsed %d YAML files: %v", n, err)
	}
}

// dockerfile is what the tests read of the Dockerfile.
type dockerfile struct {
	stages []dockerStage
	args   map[string]string // ARG defaults before the first FROM
}

type dockerStage struct {
	base, name string
	lines      []*parser.Node
}

func (s dockerStage) instructions(name string) [][]string {
	var out [][]string
	for _, n := range s.lines {
		if strings.EqualFold(n.Value, name) {
			var args []string
			for a := n.Next; a != nil; a = a.Next {
				args = append(args, a.Value)
			}
			out = append(out, append(n.Flags, args...))
		}
	}
	return out
}

func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	res, err := parser.Parse(bytes.NewReader(repoFile(t, "Dockerfile")))
	if err != nil {
		t.Fatal(err)
	}
	df := dockerfile{args: map[string]string{}}
	for _, n := range res.AST.Children {
		switch {
		case strings.EqualFold(n.Value, "from"):
			st := dockerStage{base: n.Next.Value}
			if n.Next.Next != nil && strings.EqualFold(n.Next.Next.Value, "as") {
				st.name = n.Next.Next.Next.Value
			}
			df.stages = append(df.stages, st)
		case len(df.stages) == 0 && strings.EqualFold(n.Value, "arg"):
			name, def, _ := strings.Cut(n.Next.Value, "=")
			df.args[name] = def
		case len(df.stages) > 0:
			df.stages[len(df.stages)-1].lines = append(df.stages[len(df.stages)-1].lines, n)
		}
	}
	return df
}

// exposedPort is the port the image exposes, which must be the one
// VELRO_ADDR sets in it.
func (df dockerfile) exposedPort(t *testing.T) int {
	final := df.stages[len(df.stages)-1]
	expose := final.instructions("expose")
	if len(expose) != 1 || len(expose[0]) != 1 {
		t.Fatalf("EXPOSE %v, want one port", expose)
	}
	port, err := strconv.Atoi(expose[0][0])
	if err != nil {
		t.Fatalf("EXPOSE %q", expose[0][0])
	}
	return port
}

func TestDeployDockerfile(t *testing.T) {
	df := readDockerfile(t)
	if len(df.stages) < 2 {
		t.Fatalf("%d stages; want a build stage and a small runtime stage", len(df.stages))
	}
	build, final := df.stages[0], df.stages[len(df.stages)-1]

	// Base images: pinned versions (a tag with a version, or a digest), and
	// the Go of go.mod.
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(repoFile(t, "go.mod"))
	if df.args["GO_VERSION"] != string(goVersion[1]) {
		t.Errorf("GO_VERSION %q, go.mod says %s", df.args["GO_VERSION"], goVersion[1])
	}
	pinned := regexp.MustCompile(`^[\w./-]+(:[\w.-]*\d[\w.-]*)?(@sha256:[0-9a-f]{64})?$`)
	for _, st := range df.stages {
		base := os.Expand(st.base, func(k string) string { return df.args[k] })
		if base == "scratch" {
			continue
		}
		if m := pinned.FindStringSubmatch(base); m == nil || (m[1] == "" && m[2] == "") || strings.Contains(base, ":latest") {
			t.Errorf("FROM %s: not pinned to a version or digest", base)
		}
	}

	// A static binary built from cmd/velro, copied from the build stage.
	run := strings.Join(slices.Concat(build.instructions("run")...), " ")
	if !strings.Contains(run, "CGO_ENABLED=0") || !strings.Contains(run, "./cmd/velro") {
		t.Errorf("the build stage does not build a static ./cmd/velro: %s", run)
	}
	var copiedFrom []string
	for _, c := range final.instructions("copy") {
		for _, f := range c {
			if from, ok := strings.CutPrefix(f, "--from="); ok {
				copiedFrom = append(copiedFrom, from)
			}
		}
	}
	if len(copiedFrom) == 0 || slices.ContainsFunc(copiedFrom, func(s string) bool { return s != build.name }) {
		t.Errorf("the runtime stage copies from %v, want the build stage %q", copiedFrom, build.name)
	}

	// Not root.
	if uid := dockerUID(t, df); uid == 0 {
		t.Error("the image runs as root")
	}

	// The exposed port is the one the image's VELRO_ADDR listens on.
	envs := df.env()
	if port := df.exposedPort(t); portOf(t, envs["VELRO_ADDR"]) != port {
		t.Errorf("EXPOSE %d but VELRO_ADDR=%s", port, envs["VELRO_ADDR"])
	}
	if entry := final.instructions("entrypoint"); len(entry) != 1 || entry[0][0] != "/velro" {
		t.Errorf("ENTRYPOINT %v", entry)
	}

	ignore := string(repoFile(t, ".dockerignore"))
	for _, p := range []string{".git", "velro-data"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(p) + `$`).MatchString(ignore) {
			t.Errorf(".dockerignore does not leave out %s", p)
		}
	}
}

// dockerUID is the numeric user the image runs as.
func dockerUID(t *testing.T, df dockerfile) int64 {
	t.Helper()
	users := df.stages[len(df.stages)-1].instructions("user")
	if len(users) != 1 {
		t.Fatalf("USER %v, want one", users)
	}
	uid, err := strconv.ParseInt(strings.Split(users[0][0], ":")[0], 10, 64)
	if err != nil {
		t.Fatalf("USER %s is not numeric (an empty image has no /etc/passwd)", users[0][0])
	}
	return uid
}

// env is the environment the image sets.
func (df dockerfile) env() map[string]string {
	out := map[string]string{}
	for _, e := range df.stages[len(df.stages)-1].instructions("env") {
		for i := 0; i+1 < len(e); i += 3 { // the parser gives name, value, "="
			out[e[i]] = e[i+1]
		}
	}
	return out
}

// k8s holds the Kubernetes objects of deploy/k8s, decoded strictly.
type k8s struct {
	deployment *appsv1.Deployment
	service    *corev1.Service
	pdb        *policyv1.PodDisruptionBudget
	hpa        *autoscalingv2.HorizontalPodAutoscaler
	job        *batchv1.Job
	configMap  *corev1.ConfigMap
}

func readK8s(t *testing.T) k8s {
	t.Helper()
	var kust struct {
		Resources []string `json:"resources"`
	}
	if err := k8syaml.Unmarshal(repoFile(t, "deploy/k8s/kustomization.yaml"), &kust); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(repoRoot, "deploy/k8s/*.yaml"))
	if len(files) != len(kust.Resources)+1 {
		t.Errorf("deploy/k8s has %d files, kustomization.yaml lists %v", len(files), kust.Resources)
	}
	var out k8s
	for _, f := range kust.Resources {
		raw := repoFile(t, "deploy/k8s/"+f)
		var head struct{ Kind string }
		if err := k8syaml.Unmarshal(raw, &head); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var obj any
		switch head.Kind {
		case "Deployment":
			out.deployment = new(appsv1.Deployment)
			obj = out.deployment
		case "Service":
			out.service = new(corev1.Service)
			obj = out.service
		case "PodDisruptionBudget":
			out.pdb = new(policyv1.PodDisruptionBudget)
			obj = out.pdb
		case "HorizontalPodAutoscaler":
			out.hpa = new(autoscalingv2.HorizontalPodAutoscaler)
			obj = out.hpa
		case "Job":
			out.job = new(batchv1.Job)
			obj = out.job
		case "ConfigMap":
			out.configMap = new(corev1.ConfigMap)
			obj = out.configMap
		default:
			t.Fatalf("%s: kind %q (a Secret, say) does not belong here", f, head.Kind)
		}
		// Strict: an unknown or misspelt field is an error, as kubectl
		// --validate=strict would find.
		if err := k8syaml.UnmarshalStrict(raw, obj); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	if out.deployment == nil || out.service == nil || out.pdb == nil || out.hpa == nil || out.job == nil || out.configMap == nil {
		t.Fatalf("missing objects: %+v", out)
	}
	return out
}

// secretSettings must come from a Secret, never from a manifest; each
// maps to the example value environments.json shows in its place.
var secretSettings = map[string]string{
	"DATABASE_URL":          "postgres://velro:secret@db:5432/velro",
	"REDIS_URL":             "redis+cluster://redis-0:6379?addr=redis-1:6379",
	"AWS_ACCESS_KEY_ID":     "placeholder",
	"AWS_SECRET_ACCESS_KEY": "placeholder",
	"AWS_SESSION_TOKEN":     "placeholder",
	"FAL_KEY":               "placeholder",
}

// containerEnv is the environment a container of the image gets: the
// image's, then the ConfigMaps it names (cm, the only one), then its own
// variables, secrets shown by their example values. Secrets must come
// from secretKeyRef only.
func containerEnv(t *testing.T, where string, image map[string]string, cm *corev1.ConfigMap, c corev1.Container) map[string]string {
	t.Helper()
	out := maps.Clone(image)
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil || from.ConfigMapRef.Name != cm.Name {
			t.Fatalf("%s: takes settings from %+v, not ConfigMap %s", where, from, cm.Name)
		}
		maps.Copy(out, cm.Data)
	}
	for _, e := range c.Env {
		example, secret := secretSettings[e.Name]
		switch {
		case secret && (e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil):
			t.Errorf("%s: %s is not taken from a Secret", where, e.Name)
		case secret:
			out[e.Name] = example
		case e.ValueFrom != nil:
			t.Errorf("%s: %s comes from %+v, which environments.json cannot show", where, e.Name, e.ValueFrom)
		default:
			out[e.Name] = e.Value
		}
	}
	return out
}

// kubernetesEnvironments are the environments of the server and the
// migration Job.
func kubernetesEnvironments(t *testing.T, k k8s, image map[string]string) (server, migrate map[string]string) {
	t.Helper()
	return containerEnv(t, "deployment", image, k.configMap, k.deployment.Spec.Template.Spec.Containers[0]),
		containerEnv(t, "migration job", image, k.configMap, k.job.Spec.Template.Spec.Containers[0])
}

func TestDeployKubernetes(t *testing.T) {
	k := readK8s(t)
	d, cm := k.deployment, k.configMap
	pod := d.Spec.Template
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	if !selects(d.Spec.Selector.MatchLabels, pod.Labels) || !selects(k.service.Spec.Selector, pod.Labels) || !selects(k.pdb.Spec.Selector.MatchLabels, pod.Labels) {
		t.Error("the Deployment's, Service's or PodDisruptionBudget's selector does not select the pods")
	}

	// Settings: secrets only by reference (what Velro makes of the rest
	// is TestDeployEnvironments' in cmd/velro).
	df := readDockerfile(t)
	e, _ := kubernetesEnvironments(t, k, df.env())
	for s := range secretSettings {
		if _, ok := cm.Data[s]; ok {
			t.Errorf("the ConfigMap holds %s, a secret", s)
		}
	}
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].ConfigMapRef == nil || c.EnvFrom[0].ConfigMapRef.Name != cm.Name {
		t.Errorf("the container does not take its settings from ConfigMap %s", cm.Name)
	}

	// Ports: the image's, VELRO_ADDR's, the container's, the Service's.
	port := df.exposedPort(t)
	named := map[string]int32{}
	for _, p := range c.Ports {
		named[p.Name] = p.ContainerPort
	}
	if portOf(t, e["VELRO_ADDR"]) != port || named["http"] != int32(port) {
		t.Errorf("ports: image %d, VELRO_ADDR %s, container %v", port, e["VELRO_ADDR"], c.Ports)
	}
	resolve := func(p intstr.IntOrString) int32 {
		if p.Type == intstr.String {
			return named[p.StrVal]
		}
		return p.IntVal
	}
	if sp := k.service.Spec.Ports; len(sp) != 1 || resolve(sp[0].TargetPort) != int32(port) {
		t.Errorf("the Service targets %v, not the container's port %d", sp, port)
	}

	// Probes: readiness on /health/ready, liveness on /health, on the
	// serving port (that these answer is cmd/velro's TestPublicEndpoints').
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"readiness", c.ReadinessProbe, "/health/ready"}, {"liveness", c.LivenessProbe, "/health"}, {"startup", c.StartupProbe, "/health"}} {
		if p.probe == nil || p.probe.HTTPGet == nil || p.probe.HTTPGet.Path != p.path || resolve(p.probe.HTTPGet.Port) != int32(port) {
			t.Errorf("%s probe %+v, want GET %s on port %d", p.name, p.probe, p.path, port)
		}
	}

	// Draining: a preStop delay, then the shutdown timeout, within the
	// grace period.
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil || c.Lifecycle.PreStop.Sleep.Seconds <= 0 {
		t.Fatal("no preStop delay")
	}
	grace := time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	if need := time.Duration(c.Lifecycle.PreStop.Sleep.Seconds)*time.Second + shutdownTimeout(t, "configmap", e); grace <= need {
		t.Errorf("terminationGracePeriodSeconds %v does not exceed preStop + VELRO_SHUTDOWN_TIMEOUT (%v)", grace, need)
	}

	// Resources, and the Go memory limit within the container's.
	req, lim := c.Resources.Requests, c.Resources.Limits
	if req.Cpu().IsZero() || req.Memory().IsZero() || lim.Memory().IsZero() {
		t.Errorf("resources %+v: want CPU and memory requests and a memory limit", c.Resources)
	}
	if goLimit := cm.Data["GOMEMLIMIT"]; goLimit != "" {
		mib, err := strconv.ParseInt(strings.TrimSuffix(goLimit, "MiB"), 10, 64)
		if err != nil || mib<<20 >= lim.Memory().Value() {
			t.Errorf("GOMEMLIMIT %s is not below the memory limit %v", goLimit, lim.Memory())
		}
	}

	// Not root: the image's user.
	sc := pod.Spec.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser != dockerUID(t, df) {
		t.Errorf("pod security context %+v: want runAsNonRoot and the image's user", sc)
	}

	// Scaling and disruption: the autoscaler targets the Deployment and
	// keeps more pods than the budget lets go at once.
	ref := k.hpa.Spec.ScaleTargetRef
	if ref.Kind != "Deployment" || ref.Name != d.Name || k.hpa.Spec.MinReplicas == nil || *k.hpa.Spec.MinReplicas < 2 {
		t.Errorf("autoscaler %+v", k.hpa.Spec)
	}
	if mu := k.pdb.Spec.MaxUnavailable; mu == nil || mu.IntValue() >= int(*k.hpa.Spec.MinReplicas) {
		t.Errorf("PodDisruptionBudget maxUnavailable %v against %d replicas at least", mu, *k.hpa.Spec.MinReplicas)
	}
	if d.Spec.Replicas != nil {
		t.Error("the Deployment sets replicas, which fights the autoscaler on every apply")
	}

	// The migration Job runs "velro migrate" on the servers' database.
	jc := k.job.Spec.Template.Spec.Containers[0]
	if !slices.Equal(jc.Args, []string{"migrate"}) || jc.Image != c.Image || secretRef(jc, "DATABASE_URL") != secretRef(c, "DATABASE_URL") || secretRef(c, "DATABASE_URL") == "" {
		t.Errorf("migration job: args %v, image %s, DATABASE_URL from %q (servers: %q)", jc.Args, jc.Image, secretRef(jc, "DATABASE_URL"), secretRef(c, "DATABASE_URL"))
	}
}

func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func secretRef(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			return e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
		}
	}
	return ""
}

func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join(repoRoot, "deploy"))
	if err != nil {
		t.Fatal(err)
	}
	project, err := loader.LoadWithContext(t.Context(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "compose.yaml")}},
		Environment: types.Mapping{}, // the defaults written in the file
	})
	if err != nil {
		t.Fatal(err)
	}
	return project
}

func TestDeployCompose(t *testing.T) {
	project := loadCompose(t)
	root, _ := filepath.Abs(repoRoot)
	var velros []types.ServiceConfig
	for _, s := range project.Services {
		if s.Build != nil && s.Build.Context == root && s.Build.Dockerfile == "Dockerfile" {
			velros = append(velros, s)
		}
	}
	if len(velros) != 3 {
		t.Fatalf("%d services build Velro's Dockerfile, want 3", len(velros))
	}
	slices.SortFunc(velros, func(a, b types.ServiceConfig) int { return strings.Compare(a.Name, b.Name) })
	for _, name := range []string{"postgres", "redis", "minio", "minio-bucket", "nginx", "prometheus", "grafana"} {
		if _, ok := project.Services[name]; !ok {
			t.Errorf("no %s service", name)
		}
	}

	// Settings naming the services (what Velro makes of them is
	// TestDeployEnvironments' in cmd/velro).
	v := velros[0]
	e := composeEnvironment(v, readDockerfile(t).env())
	for _, u := range []string{e["DATABASE_URL"], e["REDIS_URL"]} {
		if parsed, err := url.Parse(u); err != nil || project.Services[parsed.Hostname()].Name == "" {
			t.Errorf("%s does not name a service", u)
		}
	}
	pg := project.Services["postgres"].Environment
	if db, _ := url.Parse(e["DATABASE_URL"]); db.User.Username() != *pg["POSTGRES_USER"] || db.Path != "/"+*pg["POSTGRES_DB"] {
		t.Errorf("DATABASE_URL %s does not match the postgres service's %v", e["DATABASE_URL"], pg)
	} else if pw, _ := db.User.Password(); pw != *pg["POSTGRES_PASSWORD"] {
		t.Error("DATABASE_URL's password is not the postgres service's")
	}
	media, err := url.Parse(e["VELRO_MEDIA_URL"])
	if err != nil || media.Scheme != "s3" {
		t.Fatalf("VELRO_MEDIA_URL %q is not an s3:// URL", e["VELRO_MEDIA_URL"])
	}
	if endpoint, err := url.Parse(media.Query().Get("endpoint")); err != nil || endpoint.Hostname() != "minio" {
		t.Fatalf("VELRO_MEDIA_URL does not name the minio service: %s", media)
	}
	bucketCmd := strings.Join(project.Services["minio-bucket"].Command, " ")
	if !strings.Contains(bucketCmd, "mc mb") || !strings.Contains(bucketCmd, "/"+media.Host) {
		t.Errorf("minio-bucket does not create bucket %q: %s", media.Host, bucketCmd)
	}
	minioEnv := project.Services["minio"].Environment
	if e["AWS_ACCESS_KEY_ID"] != *minioEnv["MINIO_ROOT_USER"] || e["AWS_SECRET_ACCESS_KEY"] != *minioEnv["MINIO_ROOT_PASSWORD"] {
		t.Error("the S3 credentials are not MinIO's")
	}
	for _, dep := range []string{"postgres", "redis", "minio-bucket"} {
		if _, ok := v.DependsOn[dep]; !ok {
			t.Errorf("Velro does not wait for %s", dep)
		}
	}
	for _, other := range velros[1:] {
		if !equalEnv(other.Environment, v.Environment) {
			t.Errorf("%s is configured unlike %s", other.Name, v.Name)
		}
	}

	// nginx balances over the three instances on their port; the public
	// URL is nginx's published port; nginx is the trusted proxy.
	port := portOf(t, e["VELRO_ADDR"])
	var backends []string
	for _, s := range velros {
		backends = append(backends, s.Name+":"+strconv.Itoa(port))
	}
	conf := string(repoFile(t, "deploy/nginx.conf"))
	upstream := regexp.MustCompile(`(?m)^\s*server\s+(\S+:\d+)[\s;]`).FindAllStringSubmatch(conf, -1)
	var servers []string
	for _, m := range upstream {
		servers = append(servers, m[1])
	}
	if !slices.Equal(servers, backends) {
		t.Errorf("nginx upstream %v, want %v", servers, backends)
	}
	nginx := project.Services["nginx"]
	listen := regexp.MustCompile(`(?m)^\s*listen\s+(\d+);`).FindStringSubmatch(conf)
	public, _ := url.Parse(e["VELRO_PUBLIC_URL"])
	if len(nginx.Ports) != 1 || listen == nil || strconv.Itoa(int(nginx.Ports[0].Target)) != listen[1] || nginx.Ports[0].Published != public.Port() {
		t.Errorf("nginx listens on %v, publishes %+v; VELRO_PUBLIC_URL is %s", listen, nginx.Ports, e["VELRO_PUBLIC_URL"])
	}
	if addr := nginx.Networks["default"]; addr == nil || !sameAddr(e["VELRO_TRUSTED_PROXIES"], addr.Ipv4Address) {
		t.Errorf("VELRO_TRUSTED_PROXIES %q is not nginx's address", e["VELRO_TRUSTED_PROXIES"])
	}
	if grace := v.StopGracePeriod; grace == nil || time.Duration(*grace) <= shutdownTimeout(t, "compose.yaml", e) {
		t.Errorf("stop_grace_period %v does not exceed VELRO_SHUTDOWN_TIMEOUT", grace)
	}

	// Prometheus scrapes each instance.
	var prom struct {
		ScrapeConfigs []struct {
			StaticConfigs []struct{ Targets []string } `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(repoFile(t, "deploy/prometheus.yml"), &prom); err != nil || len(prom.ScrapeConfigs) != 1 || len(prom.ScrapeConfigs[0].StaticConfigs) != 1 ||
		!slices.Equal(prom.ScrapeConfigs[0].StaticConfigs[0].Targets, backends) {
		t.Errorf("prometheus targets %+v (%v), want %v", prom, err, backends)
	}

	// Every file mounted from the repository is there.
	for _, s := range project.Services {
		for _, vol := range s.Volumes {
			if vol.Type != types.VolumeTypeBind {
				continue
			}
			if _, err := os.Stat(vol.Source); err == nil {
				continue
			}
			t.Errorf("%s mounts %s, which does not exist", s.Name, vol.Source)
		}
	}
	if raw, err := os.ReadFile(filepath.Join(repoRoot, "deploy/grafana/velro.json")); err != nil || !json.Valid(raw) {
		t.Errorf("deploy/grafana/velro.json: %v, or not JSON", err)
	}
}

func equalEnv(a, b types.MappingWithEquals) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || (v == nil) != (w == nil) || (v != nil && *v != *w) {
			return false
		}
	}
	return true
}

// sameAddr reports whether list names exactly the one address addr.
func sameAddr(list, addr string) bool {
	a, err := netip.ParseAddr(list)
	b, err2 := netip.ParseAddr(addr)
	return err == nil && err2 == nil && a == b
}

// composeEnvironment is the environment a compose service of the image
// gets: the image's, then the service's.
func composeEnvironment(s types.ServiceConfig, image map[string]string) map[string]string {
	out := maps.Clone(image)
	for name, value := range s.Environment {
		if value != nil {
			out[name] = *value
		}
	}
	return out
}

// TestEnvironmentsFile: environments.json is the environment each
// deployment gives Velro, as the files say today (go test -update rewrites
// it). cmd/velro's TestDeployEnvironments runs each through Velro's
// configuration parser.
func TestEnvironmentsFile(t *testing.T) {
	image := readDockerfile(t).env()
	server, migrate := kubernetesEnvironments(t, readK8s(t), image)
	project := loadCompose(t)
	envs := map[string]map[string]string{
		"compose":            composeEnvironment(project.Services["velro-1"], image),
		"kubernetes":         server,
		"kubernetes-migrate": migrate,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(envs); err != nil {
		t.Fatal(err)
	}
	want := buf.Bytes()
	if *update {
		if err := os.WriteFile("environments.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := os.ReadFile("environments.json"); err != nil || !bytes.Equal(got, want) {
		t.Errorf("environments.json is not what the deployment files give (%v): run go test -run TestEnvironmentsFile -update in deploy/", err)
	}
}
