package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// NewUpload records an upload of size bytes (no bytes are stored) under a
// quota it fits.
func NewUpload(t testing.TB, s velro.Store, owner uuid.UUID, project *uuid.UUID, size int64) *velro.Upload {
	t.Helper()
	u := newUpload(owner, project, size)
	must(t, errOf(s.CreateUpload(ctx(t), u, 1<<40, velro.NoRule)))
	return u
}

func newUpload(owner uuid.UUID, project *uuid.UUID, size int64) *velro.Upload {
	w, h := 2, 3
	return &velro.Upload{ID: velro.NewID(), UserID: owner, ProjectID: project, Filename: "fox.png", ContentType: "image/png",
		Size: size, Width: &w, Height: &h, SHA256: "00"}
}

func usage(t testing.TB, s velro.Store, user uuid.UUID) velro.StorageUsage {
	t.Helper()
	st, err := s.StorageUsage(ctx(t), user)
	must(t, err)
	return st
}

func testUploads(t *testing.T, open Opener) {
	s := open(t, 0)
	ann, bob := NewUser(t, s, "ann@example.com"), NewUser(t, s, "bob@example.com")
	p := NewProject(t, s, ann.ID, velro.VisibilityPrivate)

	first := NewUpload(t, s, ann.ID, nil, 100)
	inProject := NewUpload(t, s, ann.ID, &p.ID, 50)
	got, err := s.FindUpload(ctx(t), inProject.ID)
	must(t, err)
	if got.UserID != ann.ID || *got.ProjectID != p.ID || got.Size != 50 || *got.Width != 2 || *got.Height != 3 ||
		got.ContentType != "image/png" || !got.CreatedAt.Equal(inProject.CreatedAt) {
		t.Fatalf("found %+v", got)
	}
	_, err = s.FindUpload(ctx(t), uuid.New())
	wantCode(t, err, velro.ENOTFOUND)

	// A rule that refuses records nothing.
	refused := newUpload(ann.ID, nil, 1)
	wantCode(t, errOf(s.CreateUpload(ctx(t), refused, 1<<40, velro.Allowed(bob.ID, velro.ActionEdit, velro.KindProject, p.ID))), velro.ENOTFOUND)
	// Over quota: refused, usage unchanged.
	wantCode(t, errOf(s.CreateUpload(ctx(t), newUpload(ann.ID, nil, 51), 200, velro.NoRule)), velro.EQUOTA)
	must(t, errOf(s.CreateUpload(ctx(t), newUpload(ann.ID, nil, 50), 200, velro.NoRule))) // exactly at quota
	wantCode(t, errOf(s.CreateUpload(ctx(t), newUpload(uuid.New(), nil, 1), 200, velro.NoRule)), velro.ENOTFOUND)
	if u := usage(t, s, ann.ID); u.UploadBytes != 200 || u.UploadCount != 3 || u.UsedBytes != 200 {
		t.Fatalf("usage %+v", u)
	}

	list, total, err := s.ListUploads(ctx(t), velro.UploadFilter{UserID: ann.ID, Page: velro.Page{Limit: 2}})
	must(t, err)
	if total != 3 || len(list) != 2 || list[1].ID != inProject.ID {
		t.Fatalf("list: %d of %d", len(list), total)
	}
	list, total, err = s.ListUploads(ctx(t), velro.UploadFilter{ProjectID: &p.ID, Page: velro.Page{Limit: 10}})
	must(t, err)
	if total != 1 || list[0].ID != inProject.ID {
		t.Fatalf("project list: %d", total)
	}

	deleted, eff, err := s.DeleteUpload(ctx(t), inProject.ID, velro.NoRule)
	must(t, err)
	if deleted.ID != inProject.ID || len(eff.Access.Uploads) != 1 || len(eff.Access.Projects) != 1 || eff.Access.Projects[0] != p.ID {
		t.Fatalf("deleted %+v, change %+v", deleted, eff)
	}
	_, _, err = s.DeleteUpload(ctx(t), inProject.ID, velro.NoRule)
	wantCode(t, err, velro.ENOTFOUND)
	_, _, err = s.DeleteUpload(ctx(t), first.ID, velro.Allowed(bob.ID, velro.ActionView, velro.KindUpload, first.ID))
	wantCode(t, err, velro.ENOTFOUND)
	if u := usage(t, s, ann.ID); u.UploadBytes != 150 || u.UploadCount != 2 {
		t.Fatalf("usage after delete %+v", u)
	}

	// A deleted project leaves its uploads to their owners.
	kept := NewUpload(t, s, ann.ID, &p.ID, 1)
	_, err = s.DeleteProject(ctx(t), p.ID, velro.NoRule)
	must(t, err)
	if got, err := s.FindUpload(ctx(t), kept.ID); err != nil || got.ProjectID != nil {
		t.Fatalf("upload of a deleted project: %+v %v", got, err)
	}
	_, err = s.StorageUsage(ctx(t), uuid.New())
	wantCode(t, err, velro.ENOTFOUND)
}

// testUploadQuotaRace records many uploads at once against one quota: as
// many as fit are accepted, the rest refused, and the usage never passes
// the quota; a double deletion gives the space back once.
func testUploadQuotaRace(t *testing.T, open Opener) {
	s := open(t, 0)
	u := NewUser(t, s, "race@example.com")
	const n, size, quota = 16, 100, 1050 // 10 fit
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted, refused := 0, 0
	for range n {
		wg.Go(func() {
			_, err := s.CreateUpload(context.Background(), newUpload(u.ID, nil, size), quota, velro.NoRule)
			mu.Lock()
			defer mu.Unlock()
			switch velro.ErrorCode(err) {
			case "":
				accepted++
			case velro.EQUOTA:
				refused++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := usage(t, s, u.ID); accepted != quota/size || refused != n-accepted || got.UploadBytes != int64(accepted*size) || got.UploadCount != accepted {
		t.Fatalf("%d accepted, %d refused, usage %+v", accepted, refused, got)
	}

	// Deleting one upload twice at the same instant gives its size back
	// once.
	list, _, err := s.ListUploads(ctx(t), velro.UploadFilter{UserID: u.ID, Page: velro.Page{Limit: 1}})
	must(t, err)
	deleted, gone := 0, 0
	for range 2 {
		wg.Go(func() {
			_, _, err := s.DeleteUpload(context.Background(), list[0].ID, velro.NoRule)
			mu.Lock()
			defer mu.Unlock()
			switch velro.ErrorCode(err) {
			case "":
				deleted++
			case velro.ENOTFOUND:
				gone++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := usage(t, s, u.ID); deleted != 1 || gone != 1 || got.UploadBytes != int64((accepted-1)*size) {
		t.Fatalf("%d deleted, %d not found, usage %+v", deleted, gone, got)
	}
}
