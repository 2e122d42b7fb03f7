// Package deploy checks Velro's deployment files (../Dockerfile,
// compose.yaml, k8s/) in tests of a module of its own, so that the
// libraries that read them stay out of Velro's go.mod. README.md says what
// is checked; ../.ci/run runs them.
package deploy
