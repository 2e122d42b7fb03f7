package velro

import "time"

// Operation is one of the operations whose latency is tracked against the
// latency targets (README.md, "Monitoring").
type Operation uint8

const (
	OpAuthRegister Operation = iota
	OpAuthLogin
	OpAuthRefresh
	OpTokenVerify
	OpAuthorizationCheck
	OpGenerationAccess
	OpGenerationSubmit
	OpDBQuery
	// OperationCount is the number of tracked operations.
	OperationCount
)

var operationNames = [OperationCount]string{"auth_register", "auth_login", "auth_refresh", "token_verify",
	"authorization_check", "generation_access", "generation_submit", "db_query"}

// String is the operation's name in the monitoring report.
func (o Operation) String() string { return operationNames[o] }

// Observer records how long an operation took (the perf package's tracker).
// Services take one in their configuration; nil records nothing.
type Observer interface {
	Observe(op Operation, d time.Duration)
}
