package media

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/velro-ai/velro"
)

// S3 is a velro.MediaStore in a bucket of an S3-compatible store (AWS S3,
// MinIO, R2, ...). Every instance reaches the same objects, so signed URLs
// made by one instance are served by any other.
type S3 struct {
	client   *minio.Client
	bucket   string
	prefix   string
	partSize uint64
	heads    sync.Pool // *[]byte of partSize: the first part of each Put
}

var _ velro.MediaStore = (*S3)(nil)

// OpenS3 connects and checks that the bucket exists, so a wrong bucket,
// endpoint or credentials stop the process at start-up.
func OpenS3(ctx context.Context, c *S3Config) (*S3, error) {
	lookup := minio.BucketLookupAuto
	if c.PathStyle != nil {
		lookup = map[bool]minio.BucketLookupType{true: minio.BucketLookupPath, false: minio.BucketLookupDNS}[*c.PathStyle]
	}
	transport, err := minio.DefaultTransport(c.Secure)
	if err != nil {
		return nil, err
	}
	transport.ResponseHeaderTimeout = cmp.Or(c.ResponseTimeout, DefaultResponseTimeout)
	client, err := minio.New(c.Endpoint, &minio.Options{
		Transport:    transport,
		Creds:        credentials.NewStaticV4(c.AccessKey, c.SecretKey, c.SessionToken),
		Secure:       c.Secure,
		Region:       c.Region,
		BucketLookup: lookup,
		MaxRetries:   3, // not 10: a request waiting on a dead store should fail
	})
	if err != nil {
		return nil, err
	}
	ok, err := client.BucketExists(ctx, c.Bucket)
	if err != nil {
		return nil, fmt.Errorf("bucket %q at %s: %w", c.Bucket, c.Endpoint, err)
	} else if !ok {
		return nil, fmt.Errorf("bucket %q does not exist at %s", c.Bucket, c.Endpoint)
	}
	s := &S3{client: client, bucket: c.Bucket, prefix: c.Prefix, partSize: c.PartSize}
	if s.partSize == 0 {
		s.partSize = DefaultPartSize
	}
	return s, nil
}

// Put implements velro.MediaStore. An object up to the part size goes in
// one request; a larger one in a multipart upload, one part in memory at a
// time. Either way S3 shows it whole or not at all, and a failed upload is
// aborted.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, contentType string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	r = ctxReader{ctx, r}
	// The first part is read into a pooled buffer: growing a fresh one
	// for every Put left megabytes of garbage per output.
	buf, _ := s.heads.Get().(*[]byte)
	if buf == nil {
		b := make([]byte, s.partSize)
		buf = &b
	}
	defer s.heads.Put(buf)
	// Not io.ReadFull: it reports a short body as io.ErrUnexpectedEOF,
	// which is also what a reader cut off mid-stream returns.
	n := 0
	for n < len(*buf) {
		m, err := r.Read((*buf)[n:])
		n += m
		if err == io.EOF {
			break
		} else if err != nil {
			return err
		}
	}
	head := (*buf)[:n]
	size := int64(len(head))
	body := io.Reader(bytes.NewReader(head))
	if uint64(size) == s.partSize { // maybe more: stream the rest
		size, body = -1, io.MultiReader(body, r)
	}
	// DisableContentSha256: bodies are not signed chunk by chunk, which
	// hashes every byte and which some S3-compatible stores do not decode;
	// the request is still signed, parts carry CRC32C checksums, and an
	// https endpoint protects the bytes in transit.
	_, err := s.client.PutObject(ctx, s.bucket, s.prefix+key, body, size,
		minio.PutObjectOptions{ContentType: contentType, PartSize: s.partSize, DisableContentSha256: true})
	return err
}

// s3File reads an object with ranged requests: Seek costs nothing, and
// the next Read asks for the object from the new offset on. Reads fail if
// the object is replaced meanwhile.
type s3File struct {
	*minio.Object
	mod time.Time
}

func (f s3File) ModTime() time.Time { return f.mod }

// Open implements velro.MediaStore. It asks for the object's metadata
// only; no content is transferred before the first Read.
func (s *S3) Open(ctx context.Context, key string) (velro.MediaFile, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil, velro.Errorf(velro.ENOTFOUND, "Media not found.")
		}
		return nil, err
	}
	return s3File{Object: obj, mod: info.LastModified}, nil
}

// DeletePrefix implements velro.MediaStore: it removes the object named
// prefix and every object under prefix as a directory, as Dir does.
func (s *S3) DeletePrefix(ctx context.Context, prefix string) error {
	dir := strings.TrimSuffix(prefix, "/")
	if err := checkKey(dir); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	name := s.prefix + dir
	doomed := make(chan minio.ObjectInfo)
	listErr := make(chan error, 1)
	go func() {
		defer close(doomed)
		for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: name, Recursive: true}) {
			if obj.Err != nil {
				listErr <- obj.Err
				return
			}
			if obj.Key != name && !strings.HasPrefix(obj.Key, name+"/") {
				continue // a sibling like generations/ab next to generations/a
			}
			select {
			case doomed <- obj:
			case <-ctx.Done():
				return
			}
		}
	}()
	var errs []error
	for res := range s.client.RemoveObjectsWithResult(ctx, s.bucket, doomed, minio.RemoveObjectsOptions{}) {
		if res.Err != nil {
			errs = append(errs, fmt.Errorf("delete %s: %w", res.ObjectName, res.Err))
		}
	}
	select {
	case err := <-listErr:
		errs = append(errs, err)
	default:
	}
	return errors.Join(errs...)
}

// Walk calls fn with the key and size of every object under the store's
// prefix, in lexical order, stopping at the first error (as Dir.Walk).
func (s *S3) Walk(ctx context.Context, fn func(key string, size int64) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the listing when fn stops early
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true}) {
		if obj.Err != nil {
			return obj.Err
		}
		if err := fn(strings.TrimPrefix(obj.Key, s.prefix), obj.Size); err != nil {
			return err
		}
	}
	return nil
}
