// Package service holds Velro's use cases for accounts, projects and teams:
// who may do what, and what happens when they do. Each use case's rule is
// a velro.Check named after the question it answers ("may add a member"),
// run first against the cached authorization engine, to refuse fast, and
// again by the store inside the write's transaction, so a rule that stopped
// holding a moment before the commit refuses the write. Handlers decode,
// call one method here, encode. Generations have their own service in
// package generate.
package service
