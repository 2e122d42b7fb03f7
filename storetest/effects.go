package storetest

import (
	"cmp"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/velro-ai/velro"
)

// World is what the write cases act on: an owner with a project shared
// with the owner's team, in which both the owner and a member (an editor)
// have a generation, an upload of the owner's in the project, a generation
// of the owner's outside it being rendered, sessions, and an invitation to
// the team for a third account; the owner has TOTP on (enableTOTP), the
// member has begun setting it up.
type World struct {
	Owner, Member, Invitee *velro.User
	// OwnerSession is the owner's; MemberSessions are the member's two.
	OwnerSession   uuid.UUID
	MemberSessions [2]uuid.UUID
	Project        *velro.Project
	Team           *velro.Team
	// Generation is the owner's, pending and charged; MemberGeneration
	// the member's; Started the owner's, outside the project, processing.
	Generation, MemberGeneration, Started *velro.Generation
	Upload                                *velro.Upload
	// Invitation invites Invitee into the team; InvitationToken is its
	// mailed token.
	Invitation      *velro.Invitation
	InvitationToken string
}

// NewWorld makes a World in s.
func NewWorld(t testing.TB, s velro.Store) *World {
	t.Helper()
	w := &World{Owner: NewUser(t, s, uuid.NewString()+"@example.com"), Member: NewUser(t, s, uuid.NewString()+"@example.com"),
		Invitee: NewUser(t, s, uuid.NewString()+"@example.com")}
	w.OwnerSession = newSession(t, s, w.Owner.ID).ID
	w.MemberSessions = [2]uuid.UUID{newSession(t, s, w.Member.ID).ID, newSession(t, s, w.Member.ID).ID}
	w.Project = NewProject(t, s, w.Owner.ID, velro.VisibilityTeamOnly)
	w.Team = NewTeam(t, s, w.Owner.ID, map[uuid.UUID]velro.TeamRole{w.Member.ID: velro.TeamEditor})
	_, err := s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: w.Project.ID, TeamID: w.Team.ID, AccessLevel: velro.ShareWrite}, velro.NoRule)
	must(t, err)
	w.Generation = submit(t, s, w.Owner.ID, &w.Project.ID)
	w.MemberGeneration = submit(t, s, w.Member.ID, &w.Project.ID)
	w.Started = submit(t, s, w.Owner.ID, nil)
	_, _, err = s.StartGeneration(ctx(t), w.Started.ID)
	must(t, err)
	w.Upload = NewUpload(t, s, w.Owner.ID, &w.Project.ID, 10)
	w.Invitation = &velro.Invitation{ID: velro.NewID(), TeamID: w.Team.ID, Email: w.Invitee.Email, Role: velro.TeamViewer, InvitedBy: &w.Owner.ID}
	must(t, errOf(s.CreateInvitation(ctx(t), w.Invitation, velro.NoRule)))
	token, hash := velro.NewToken()
	_, _, err = s.SetInvitationToken(ctx(t), w.Invitation.ID, hash)
	must(t, err)
	w.InvitationToken = token
	enableTOTP(t, s, w.Owner.ID)
	must(t, errOf(s.BeginTOTP(ctx(t), w.Member.ID, "SECRET")))
	return w
}

// submit charges and submits a pending generation of user.
func submit(t testing.TB, s velro.Store, user uuid.UUID, project *uuid.UUID) *velro.Generation {
	t.Helper()
	now := velro.Now()
	g := &velro.Generation{ID: velro.NewID(), UserID: user, ProjectID: project, ModelID: "local/image", Prompt: "a red fox",
		Parameters: map[string]any{}, Status: velro.StatusPending, Cost: 5, MediaType: "image", OutputURLs: []string{},
		CreatedAt: now, UpdatedAt: now}
	_, _, err := s.SubmitGeneration(ctx(t), g, "", velro.NoRule)
	must(t, err)
	return g
}

// accountToken issues a link token of the purpose for user.
func accountToken(t testing.TB, s velro.Store, user uuid.UUID, purpose velro.TokenPurpose) string {
	t.Helper()
	token, hash := velro.NewToken()
	must(t, errOf(s.IssueAccountToken(ctx(t), user, purpose, hash, velro.Now().Add(time.Hour))))
	return token
}

// WriteCase is one write of velro.Writer made on a World, and the effects
// it must return: the written expectation, from what the write changes.
// Writes that take a velro.Check are made under check.
type WriteCase struct {
	Write func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error)
	Want  func(w *World) velro.Effects
}

func ids(list ...uuid.UUID) []uuid.UUID { return list }

// statusOf is the status change of one generation.
func statusOf(id uuid.UUID, status velro.Status) []velro.StatusChange {
	return []velro.StatusChange{{ID: id, Status: status}}
}

// none is the expectation of a write that changes nothing cached.
func none(*World) velro.Effects { return velro.Effects{} }

// projectAndTeam is the access change of a membership write.
func projectAndTeam(w *World) velro.Effects {
	return velro.Effects{Access: velro.AccessChange{Projects: ids(w.Project.ID), Teams: ids(w.Team.ID)}}
}

// WriteCases has a case for every write of velro.Writer, by name.
var WriteCases = map[string]WriteCase{
	"CreateUser": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.CreateUser(ctx(t), &velro.User{ID: velro.NewID(), Email: uuid.NewString() + "@example.com", Role: velro.UserRole})
	}, none},
	"UpdateUser": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		name := "Ann"
		_, eff, err := s.UpdateUser(ctx(t), w.Owner.ID, velro.UserUpdate{FullName: &name})
		return eff, err
	}, func(w *World) velro.Effects { return velro.Effects{Users: ids(w.Owner.ID)} }},
	"ControlAccount": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		disabled := true
		_, eff, err := s.ControlAccount(ctx(t), w.Member.ID, velro.AccountControl{Disabled: &disabled})
		return eff, err
	}, func(w *World) velro.Effects {
		return velro.Effects{Users: ids(w.Member.ID), Sessions: w.MemberSessions[:]}
	}},
	"DeleteUser": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.DeleteUser(ctx(t), w.Owner.ID, check)
	}, func(w *World) velro.Effects {
		return velro.Effects{
			Access: velro.AccessChange{Projects: ids(w.Project.ID), Teams: ids(w.Team.ID), Generations: ids(w.Generation.ID, w.Started.ID),
				Uploads: ids(w.Upload.ID)},
			Users:       ids(w.Owner.ID),
			Sessions:    ids(w.OwnerSession),
			Generations: ids(w.Generation.ID, w.Started.ID, w.MemberGeneration.ID), // the member's leaves the project
			Statuses:    append(statusOf(w.Generation.ID, velro.StatusDeleted), statusOf(w.Started.ID, velro.StatusDeleted)...),
		}
	}},
	"IssueAccountToken": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.IssueAccountToken(ctx(t), w.Member.ID, velro.TokenPasswordReset, "hash", velro.Now().Add(time.Hour))
	}, none},
	"ChangePassword": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.ChangePassword(ctx(t), w.Member.ID, "$argon2id$changed", w.MemberSessions[0])
	}, func(w *World) velro.Effects {
		return velro.Effects{Users: ids(w.Member.ID), Sessions: ids(w.MemberSessions[1])}
	}},
	"ResetPassword": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		token := accountToken(t, s, w.Member.ID, velro.TokenPasswordReset)
		_, eff, err := s.ResetPassword(ctx(t), velro.HashToken(token), "$argon2id$reset")
		return eff, err
	}, func(w *World) velro.Effects {
		return velro.Effects{Users: ids(w.Member.ID), Sessions: w.MemberSessions[:]}
	}},
	"VerifyEmail": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		token := accountToken(t, s, w.Member.ID, velro.TokenEmailVerification)
		_, eff, err := s.VerifyEmail(ctx(t), velro.HashToken(token))
		return eff, err
	}, func(w *World) velro.Effects { return velro.Effects{Users: ids(w.Member.ID)} }},
	"QueueMail": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.QueueMail(ctx(t), velro.MailJob{Kind: velro.MailEmailVerification, UserID: w.Member.ID})
	}, none},
	"CreateSession": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		now := velro.Now()
		return s.CreateSession(ctx(t), &velro.Session{ID: velro.NewID(), UserID: w.Member.ID, CreatedAt: now, RefreshedAt: now})
	}, none},
	"RotateSession": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, rotated, eff, err := s.RotateSession(ctx(t), w.MemberSessions[0], 0, velro.Now(), velro.SessionLifetime{Idle: time.Hour, Max: time.Hour})
		if err == nil && !rotated {
			t.Fatal("the session did not rotate")
		}
		return eff, err
	}, none},
	"RevokeSession": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.RevokeSession(ctx(t), w.MemberSessions[0], velro.Now(), velro.AuditLogout)
	}, func(w *World) velro.Effects { return velro.Effects{Sessions: ids(w.MemberSessions[0])} }},
	"EndSession": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.EndSession(ctx(t), w.Member.ID, w.MemberSessions[1], velro.Now())
	}, func(w *World) velro.Effects { return velro.Effects{Sessions: ids(w.MemberSessions[1])} }},
	"EndOtherSessions": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, eff, err := s.EndOtherSessions(ctx(t), w.Member.ID, w.MemberSessions[0])
		return eff, err
	}, func(w *World) velro.Effects { return velro.Effects{Sessions: ids(w.MemberSessions[1])} }},
	"BeginTOTP": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.BeginTOTP(ctx(t), w.Member.ID, "SECRET")
	}, none},
	"ConfirmTOTP": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.ConfirmTOTP(ctx(t), w.Member.ID, 7, []string{"h1", "h2"})
	}, func(w *World) velro.Effects { return velro.Effects{Users: ids(w.Member.ID)} }},
	"UseTOTPStep": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, eff, err := s.UseTOTPStep(ctx(t), w.Owner.ID, 8)
		return eff, err
	}, none},
	"DisableTOTP": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.DisableTOTP(ctx(t), w.Owner.ID)
	}, func(w *World) velro.Effects { return velro.Effects{Users: ids(w.Owner.ID)} }},
	"CreateMFAChallenge": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.CreateMFAChallenge(ctx(t), newChallenge(w.Member.ID))
	}, none},
	"FailMFAChallenge": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		c := newChallenge(w.Member.ID)
		must(t, errOf(s.CreateMFAChallenge(ctx(t), c)))
		return s.FailMFAChallenge(ctx(t), c.TokenHash)
	}, none},
	"PassMFAChallenge": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		c := newChallenge(w.Owner.ID)
		must(t, errOf(s.CreateMFAChallenge(ctx(t), c)))
		_, eff, err := s.PassMFAChallenge(ctx(t), c.TokenHash, velro.SecondFactor{Step: 8}, velro.Now())
		return eff, err
	}, none},
	"Secret": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, eff, err := s.Secret(ctx(t), uuid.NewString(), velro.RandomSecret(8))
		return eff, err
	}, none},
	"CreateSigningKey": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, eff, err := s.CreateSigningKey(ctx(t), &velro.SigningKey{Seed: make([]byte, 32), CreatedAt: velro.Now()})
		return eff, err
	}, none},
	"RotateSigningKey": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.RotateSigningKey(ctx(t), &velro.SigningKey{Seed: make([]byte, 32), CreatedAt: velro.Now()}, velro.Now().Add(-time.Hour))
	}, func(*World) velro.Effects { return velro.Effects{SigningKeys: true} }},
	"GrantCredits": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, eff, err := s.GrantCredits(ctx(t), w.Owner.ID, 7, "gift")
		return eff, err
	}, func(w *World) velro.Effects { return velro.Effects{Users: ids(w.Owner.ID)} }},
	"CreateCheckout": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.CreateCheckout(ctx(t), &velro.Checkout{SessionID: uuid.NewString(), UserID: w.Owner.ID, PackID: "starter", Credits: 10, Amount: 5, Currency: "usd"})
	}, none},
	"CompleteCheckout": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, eff, err := s.CompleteCheckout(ctx(t), paid(uuid.NewString(), w.Owner.ID, uuid.NewString()), testPack)
		return eff, err
	}, func(w *World) velro.Effects { return velro.Effects{Users: ids(w.Owner.ID)} }},
	"RefundPayment": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, eff, err := s.RefundPayment(ctx(t), refunded(uuid.NewString(), 1)) // before its completion: kept, nothing moves
		return eff, err
	}, none},
	"RecordAudit": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.RecordAudit(ctx(t), &velro.AuditEvent{Action: velro.AuditLoginFailed, TargetType: "user"})
	}, none},
	"PruneAudit": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, eff, err := s.PruneAudit(ctx(t), velro.Now().Add(-time.Hour))
		return eff, err
	}, none},
	"CreateProject": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.CreateProject(ctx(t), &velro.Project{ID: velro.NewID(), UserID: w.Owner.ID, Name: "p", Visibility: velro.VisibilityPrivate,
			Tags: []string{}, Metadata: map[string]any{}})
	}, none},
	"UpdateProject": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		private := velro.VisibilityPrivate
		_, eff, err := s.UpdateProject(ctx(t), w.Project.ID, velro.ProjectUpdate{Visibility: &private}, check)
		return eff, err
	}, func(w *World) velro.Effects {
		return velro.Effects{Access: velro.AccessChange{Projects: ids(w.Project.ID)}}
	}},
	"DeleteProject": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.DeleteProject(ctx(t), w.Project.ID, check)
	}, func(w *World) velro.Effects {
		return velro.Effects{Access: velro.AccessChange{Projects: ids(w.Project.ID)}, Generations: ids(w.Generation.ID, w.MemberGeneration.ID)}
	}},
	"ShareProject": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.ShareProject(ctx(t), &velro.ProjectShare{ProjectID: w.Project.ID, TeamID: w.Team.ID, AccessLevel: velro.ShareRead}, check)
	}, func(w *World) velro.Effects {
		return velro.Effects{Access: velro.AccessChange{Projects: ids(w.Project.ID)}}
	}},
	"UnshareProject": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.UnshareProject(ctx(t), w.Project.ID, w.Team.ID, check)
	}, func(w *World) velro.Effects {
		return velro.Effects{Access: velro.AccessChange{Projects: ids(w.Project.ID)}}
	}},
	"CreateTeam": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.CreateTeam(ctx(t), &velro.Team{ID: velro.NewID(), Name: "t", OwnerID: w.Member.ID})
	}, none},
	"UpdateTeam": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		name := "Renamed"
		_, eff, err := s.UpdateTeam(ctx(t), w.Team.ID, velro.TeamUpdate{Name: &name}, check)
		return eff, err
	}, none},
	"DeleteTeam": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.DeleteTeam(ctx(t), w.Team.ID, check)
	}, projectAndTeam},
	"AddTeamMember": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.AddTeamMember(ctx(t), w.Team.ID, w.Invitee.ID, velro.TeamViewer, check)
	}, projectAndTeam},
	"SetTeamMemberRole": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.SetTeamMemberRole(ctx(t), w.Team.ID, w.Member.ID, velro.TeamViewer, check)
	}, projectAndTeam},
	"RemoveTeamMember": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.RemoveTeamMember(ctx(t), w.Team.ID, w.Member.ID, check)
	}, projectAndTeam},
	"CreateInvitation": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.CreateInvitation(ctx(t), &velro.Invitation{ID: velro.NewID(), TeamID: w.Team.ID, Email: "new@example.com", Role: velro.TeamViewer}, check)
	}, none},
	"SetInvitationToken": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, eff, err := s.SetInvitationToken(ctx(t), w.Invitation.ID, "another hash")
		return eff, err
	}, none},
	"RevokeInvitation": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, eff, err := s.RevokeInvitation(ctx(t), w.Team.ID, w.Invitation.ID, check)
		return eff, err
	}, none},
	"AcceptInvitation": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, eff, err := s.AcceptInvitation(ctx(t), velro.HashToken(w.InvitationToken), w.Invitee.ID)
		return eff, err
	}, func(w *World) velro.Effects { // accepting verifies the invitee's address
		eff := projectAndTeam(w)
		eff.Users = ids(w.Invitee.ID)
		return eff
	}},
	"DeclineInvitation": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, eff, err := s.DeclineInvitation(ctx(t), velro.HashToken(w.InvitationToken), w.Invitee.ID)
		return eff, err
	}, none},
	"CreateGeneration": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		now := velro.Now()
		return s.CreateGeneration(ctx(t), &velro.Generation{ID: velro.NewID(), UserID: w.Owner.ID, ModelID: "local/image", Prompt: "p",
			Parameters: map[string]any{}, Status: velro.StatusPending, MediaType: "image", OutputURLs: []string{}, CreatedAt: now, UpdatedAt: now})
	}, none},
	"SubmitGeneration": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		now := velro.Now()
		_, eff, err := s.SubmitGeneration(ctx(t), &velro.Generation{ID: velro.NewID(), UserID: w.Owner.ID, ModelID: "local/image", Prompt: "p",
			Parameters: map[string]any{}, Status: velro.StatusPending, Cost: 5, MediaType: "image", OutputURLs: []string{},
			CreatedAt: now, UpdatedAt: now}, "", check)
		return eff, err
	}, func(w *World) velro.Effects { return velro.Effects{Users: ids(w.Owner.ID)} }},
	"StartGeneration": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, eff, err := s.StartGeneration(ctx(t), w.Generation.ID)
		return eff, err
	}, func(w *World) velro.Effects {
		return velro.Effects{Generations: ids(w.Generation.ID), Statuses: statusOf(w.Generation.ID, velro.StatusProcessing)}
	}},
	"SaveProviderState": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.SaveProviderState(ctx(t), w.Generation.ID, []byte(`{"request_id":"r"}`))
	}, none},
	"CompleteGeneration": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, eff, err := s.CompleteGeneration(ctx(t), w.Started.ID, []string{"out.png"}, 10)
		return eff, err
	}, func(w *World) velro.Effects {
		return velro.Effects{Generations: ids(w.Started.ID), Statuses: statusOf(w.Started.ID, velro.StatusCompleted)}
	}},
	"FailGeneration": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, eff, err := s.FailGeneration(ctx(t), w.Generation.ID, "broken")
		return eff, err
	}, func(w *World) velro.Effects {
		return velro.Effects{Users: ids(w.Owner.ID), Generations: ids(w.Generation.ID), Statuses: statusOf(w.Generation.ID, velro.StatusFailed)}
	}},
	"CancelGeneration": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, eff, err := s.CancelGeneration(ctx(t), w.Generation.ID, check)
		return eff, err
	}, func(w *World) velro.Effects {
		return velro.Effects{Users: ids(w.Owner.ID), Generations: ids(w.Generation.ID), Statuses: statusOf(w.Generation.ID, velro.StatusCancelled)}
	}},
	"ToggleFavorite": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, eff, err := s.ToggleFavorite(ctx(t), w.Generation.ID, check)
		return eff, err
	}, func(w *World) velro.Effects { return velro.Effects{Generations: ids(w.Generation.ID)} }},
	"DeleteGeneration": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.DeleteGeneration(ctx(t), w.Generation.ID, check)
	}, func(w *World) velro.Effects {
		return velro.Effects{Access: velro.AccessChange{Projects: ids(w.Project.ID), Generations: ids(w.Generation.ID)},
			Users: ids(w.Owner.ID), Generations: ids(w.Generation.ID), Statuses: statusOf(w.Generation.ID, velro.StatusDeleted)}
	}},
	"CreateUpload": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		return s.CreateUpload(ctx(t), newUpload(w.Owner.ID, nil, 10), 1<<40, check)
	}, none},
	"DeleteUpload": {func(t testing.TB, s velro.Store, w *World, check velro.Check) (velro.Effects, error) {
		_, eff, err := s.DeleteUpload(ctx(t), w.Upload.ID, check)
		return eff, err
	}, func(w *World) velro.Effects {
		return velro.Effects{Access: velro.AccessChange{Projects: ids(w.Project.ID), Uploads: ids(w.Upload.ID)}}
	}},
}

// CheckWriteCases fails unless every method of velro.Writer returns its
// Effects (just before its error) and has a case in WriteCases: a write
// added later is held to a written expectation too.
func CheckWriteCases(t testing.TB) {
	t.Helper()
	effects := reflect.TypeFor[velro.Effects]()
	writer := reflect.TypeFor[velro.Writer]()
	for i := range writer.NumMethod() {
		m := writer.Method(i)
		if n := m.Type.NumOut(); n < 2 || m.Type.Out(n-2) != effects {
			t.Errorf("the write %s does not return its velro.Effects before its error", m.Name)
		}
		if _, ok := WriteCases[m.Name]; !ok {
			t.Errorf("the write %s has no case in storetest.WriteCases", m.Name)
		}
	}
	if len(WriteCases) != writer.NumMethod() {
		t.Errorf("%d write cases for %d writes of velro.Writer", len(WriteCases), writer.NumMethod())
	}
}

// SameEffects reports whether two effects name the same things, in any
// order.
func SameEffects(a, b velro.Effects) bool {
	return sameIDs(a.Access.Projects, b.Access.Projects) && sameIDs(a.Access.Teams, b.Access.Teams) &&
		sameIDs(a.Access.Generations, b.Access.Generations) && sameIDs(a.Access.Uploads, b.Access.Uploads) &&
		sameIDs(a.Users, b.Users) && sameIDs(a.Sessions, b.Sessions) && sameIDs(a.Generations, b.Generations) &&
		slices.Equal(sortedStatuses(a.Statuses), sortedStatuses(b.Statuses)) && a.SigningKeys == b.SigningKeys
}

func sameIDs(a, b []uuid.UUID) bool {
	byBytes := func(x, y uuid.UUID) int { return slices.Compare(x[:], y[:]) }
	return slices.Equal(slices.SortedFunc(slices.Values(a), byBytes), slices.SortedFunc(slices.Values(b), byBytes))
}

func sortedStatuses(s []velro.StatusChange) []velro.StatusChange {
	return slices.SortedFunc(slices.Values(s), func(x, y velro.StatusChange) int {
		return cmp.Or(slices.Compare(x.ID[:], y.ID[:]), cmp.Compare(x.Status, y.Status))
	})
}

// testEffects makes every write on a world of its own and checks the
// effects it returns against its case.
func testEffects(t *testing.T, open Opener) {
	CheckWriteCases(t)
	s := open(t, 0)
	for name, c := range WriteCases {
		t.Run(name, func(t *testing.T) {
			w := NewWorld(t, s)
			eff, err := c.Write(t, s, w, velro.NoRule)
			must(t, err)
			if want := c.Want(w); !SameEffects(eff, want) {
				t.Fatalf("effects %+v, want %+v", eff, want)
			}
		})
	}
}
