package media

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// S3Config names a bucket (and a key prefix in it) on an S3-compatible
// store, and how to reach it.
type S3Config struct {
	Bucket string
	Prefix string // "" or ending in "/"
	// Endpoint is host[:port]; Secure says https.
	Endpoint string
	Secure   bool
	// Region is "" to let the client ask the store.
	Region string
	// PathStyle is nil to let the client choose (virtual-host style for
	// AWS, path style elsewhere).
	PathStyle *bool

	AccessKey, SecretKey, SessionToken string

	// PartSize is the size of each part of a multipart upload, and of the
	// buffer one Put holds; 0 means DefaultPartSize.
	PartSize uint64
	// ResponseTimeout bounds the wait for each response of the store to
	// begin; 0 means DefaultResponseTimeout.
	ResponseTimeout time.Duration
}

// DefaultResponseTimeout is how long a request waits for the store to
// start answering (the client's own default is a minute, times its
// retries): a stalled store fails media requests in seconds, not minutes.
const DefaultResponseTimeout = 10 * time.Second

// DefaultPartSize is the upload part size: objects up to it are sent in
// one request, larger ones in parts of this size.
const DefaultPartSize = 8 << 20

// ParseS3URL reads s3://bucket/prefix?endpoint=https://host:port&region=r&path_style=true.
// The endpoint defaults to AWS (s3.amazonaws.com). Credentials come from
// getenv: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and, when set,
// AWS_SESSION_TOKEN; the region falls back to AWS_REGION. Errors say what
// is wrong in a phrase that follows the setting's name.
func ParseS3URL(raw string, getenv func(string) string) (*S3Config, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Opaque != "" {
		return nil, errors.New("is not an s3:// URL")
	}
	if u.User != nil {
		return nil, errors.New("carries credentials; they belong in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	c := &S3Config{Bucket: u.Host, Endpoint: "s3.amazonaws.com", Secure: true, Region: getenv("AWS_REGION")}
	if err := s3utils.CheckValidBucketNameStrict(c.Bucket); err != nil {
		return nil, fmt.Errorf("names no valid bucket (%q: %v)", c.Bucket, err)
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		if checkKey(p) != nil {
			return nil, fmt.Errorf("has a prefix %q that is not lowercase letters, digits, '-', '.' and '/'", p)
		}
		c.Prefix = p + "/"
	}
	for name, values := range u.Query() {
		v := values[len(values)-1]
		switch name {
		case "endpoint":
			e, err := url.Parse(v)
			if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" || strings.Trim(e.Path, "/") != "" {
				return nil, fmt.Errorf("has an endpoint %q that is not an http(s) origin like https://minio:9000", v)
			}
			c.Endpoint, c.Secure = e.Host, e.Scheme == "https"
		case "region":
			c.Region = v
		case "path_style":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("has path_style=%q, which is not true or false", v)
			}
			c.PathStyle = &b
		default:
			return nil, fmt.Errorf("has an unknown parameter %q (known: endpoint, region, path_style)", name)
		}
	}
	c.AccessKey, c.SecretKey, c.SessionToken = getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN")
	if c.AccessKey == "" || c.SecretKey == "" {
		return nil, errors.New("needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to be set")
	}
	return c, nil
}
