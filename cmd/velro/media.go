package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/media"
)

// s3URLExample shows the form of VELRO_MEDIA_URL and --to.
const s3URLExample = "s3://bucket/prefix?endpoint=https://host:9000&region=us-east-1&path_style=true"

// openMedia opens the store VELRO_MEDIA_URL names, else the data dir's.
func openMedia(ctx context.Context, cfg *config) (velro.MediaStore, error) {
	if cfg.media == nil {
		return media.NewDir(filepath.Join(cfg.DataDir, "media"))
	}
	return media.OpenS3(ctx, cfg.media)
}

const mediaUsage = `usage: velro media migrate --to s3://bucket/prefix?endpoint=...  [--data-dir DIR]

Copies the media files of a data dir (generation outputs and uploads) to an
S3-compatible store, under the same keys, so that servers started with
VELRO_MEDIA_URL set to the same URL serve them. Files the store already
holds with the same size are skipped: an interrupted copy can be run again.
Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
`

// mediaCommand runs "velro media ...".
func mediaCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "migrate" {
		fmt.Fprint(stderr, mediaUsage)
		return errors.New(`unknown media command: use "velro media migrate --to s3://..."`)
	}
	fs := flag.NewFlagSet("velro media migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, mediaUsage); fs.PrintDefaults() }
	to := fs.String("to", "", "the S3 store to copy to, like "+s3URLExample)
	dataDir := fs.String("data-dir", cmp.Or(strings.TrimSpace(getenv("VELRO_DATA_DIR")), "./velro-data"), "data dir whose media to copy (env VELRO_DATA_DIR)")
	if err := fs.Parse(args[1:]); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if *to == "" {
		return &configError{"--to", "is missing", "name the target store like " + s3URLExample}
	}
	target, err := media.ParseS3URL(*to, getenv)
	if err != nil {
		return &configError{"--to", err.Error(), "name the target store like " + s3URLExample}
	}
	root := filepath.Join(*dataDir, "media")
	if info, err := os.Stat(root); err != nil || !info.IsDir() {
		return &configError{"data dir " + *dataDir, "has no media directory", "pass --data-dir or VELRO_DATA_DIR naming the data dir to copy from"}
	}
	src, err := media.NewDir(root)
	if err != nil {
		return err
	}
	dst, err := media.OpenS3(ctx, target)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	stats, err := media.Copy(ctx, dst, src)
	fmt.Fprintf(stdout, "velro: copied %d media files (%d bytes) from %s to s3://%s/%s; %d were there already\n",
		stats.Copied, stats.Bytes, root, target.Bucket, target.Prefix, stats.Skipped)
	return err
}
