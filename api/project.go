package api

import (
	"context"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/authz"
)

type projectOutput struct{ Body *velro.Project }

type projectBody struct {
	Name        string           `json:"name" minLength:"1" maxLength:"100"`
	Description string           `json:"description,omitempty" maxLength:"500"`
	Visibility  velro.Visibility `json:"visibility,omitempty" enum:"private,team-only,public" default:"private"`
	Tags        []string         `json:"tags,omitempty" maxItems:"10"`
	Metadata    map[string]any   `json:"metadata,omitempty"`
}

type createProjectInput struct{ Body projectBody }

func handleCreateProject(store velro.Store) func(context.Context, *createProjectInput) (*projectOutput, error) {
	return func(ctx context.Context, in *createProjectInput) (*projectOutput, error) {
		p := &velro.Project{ID: velro.NewID(), UserID: principal(ctx).UserID, Name: in.Body.Name, Description: in.Body.Description,
			Visibility: in.Body.Visibility, Tags: in.Body.Tags, Metadata: in.Body.Metadata}
		if p.Visibility == "" {
			p.Visibility = velro.VisibilityPrivate
		}
		if err := p.Validate(); err != nil {
			return nil, err
		}
		if err := store.CreateProject(ctx, p); err != nil {
			return nil, err
		}
		return &projectOutput{Body: p}, nil
	}
}

type listProjectsInput struct {
	PageInput
	Visibility velro.Visibility `query:"visibility" enum:"private,team-only,public"`
}

type projectsOutput struct {
	Body struct {
		Projects []*velro.Project `json:"projects"`
		PageInfo
	}
}

func handleListProjects(store velro.Store) func(context.Context, *listProjectsInput) (*projectsOutput, error) {
	return func(ctx context.Context, in *listProjectsInput) (*projectsOutput, error) {
		list, total, err := store.ListReadableProjects(ctx, principal(ctx).UserID, velro.ProjectFilter{Visibility: in.Visibility, Page: in.page()})
		if err != nil {
			return nil, err
		}
		out := &projectsOutput{}
		out.Body.Projects, out.Body.PageInfo = list, in.info(total)
		return out, nil
	}
}

func handleGetProject(store velro.Store, engine *authz.Engine) func(context.Context, *IDPath) (*projectOutput, error) {
	return func(ctx context.Context, in *IDPath) (*projectOutput, error) {
		_, id, err := require(ctx, engine, velro.KindProject, in.ID, velro.ActionView)
		if err != nil {
			return nil, err
		}
		p, err := store.FindProject(ctx, id)
		if err != nil {
			return nil, err
		}
		return &projectOutput{Body: p}, nil
	}
}

type updateProjectInput struct {
	IDPath
	Body struct {
		Name        *string           `json:"name,omitempty" minLength:"1" maxLength:"100"`
		Description *string           `json:"description,omitempty" maxLength:"500"`
		Visibility  *velro.Visibility `json:"visibility,omitempty" enum:"private,team-only,public"`
		Tags        *[]string         `json:"tags,omitempty" maxItems:"10"`
		Metadata    map[string]any    `json:"metadata,omitempty"`
	}
}

// handleUpdateProject applies a partial update: editors change content,
// changing the visibility takes the share permission (admin).
func handleUpdateProject(store velro.Store, engine *authz.Engine) func(context.Context, *updateProjectInput) (*projectOutput, error) {
	return func(ctx context.Context, in *updateProjectInput) (*projectOutput, error) {
		action := velro.ActionEdit
		if in.Body.Visibility != nil {
			action = velro.ActionShare
		}
		_, id, err := require(ctx, engine, velro.KindProject, in.ID, action)
		if err != nil {
			return nil, err
		}
		upd := velro.ProjectUpdate{Name: in.Body.Name, Description: in.Body.Description, Visibility: in.Body.Visibility,
			Tags: in.Body.Tags, Metadata: in.Body.Metadata}
		if err := upd.Validate(); err != nil {
			return nil, err
		}
		p, _, err := store.UpdateProject(ctx, id, upd)
		if err != nil {
			return nil, err
		}
		return &projectOutput{Body: p}, nil
	}
}

func handleDeleteProject(store velro.Store, engine *authz.Engine) func(context.Context, *IDPath) (*messageOutput, error) {
	return func(ctx context.Context, in *IDPath) (*messageOutput, error) {
		_, id, err := require(ctx, engine, velro.KindProject, in.ID, velro.ActionDeleteProject)
		if err != nil {
			return nil, err
		}
		if _, err := store.DeleteProject(ctx, id); err != nil {
			return nil, err
		}
		return message("Project deleted successfully"), nil
	}
}

type shareInput struct {
	IDPath
	Body struct {
		TeamID      string           `json:"team_id" format:"uuid"`
		AccessLevel velro.ShareLevel `json:"access_level" enum:"read,write,admin"`
	}
}

type shareOutput struct{ Body *velro.ProjectShare }

// handleShareProject shares a project with a team the caller belongs to.
func handleShareProject(store velro.Store, engine *authz.Engine) func(context.Context, *shareInput) (*shareOutput, error) {
	return func(ctx context.Context, in *shareInput) (*shareOutput, error) {
		_, id, err := require(ctx, engine, velro.KindProject, in.ID, velro.ActionShare)
		if err != nil {
			return nil, err
		}
		teamID, err := parseID("team_id", in.Body.TeamID)
		if err != nil {
			return nil, err
		}
		if _, err := engine.Require(ctx, principal(ctx).UserID, velro.ActionView, velro.KindTeam, teamID); err != nil {
			return nil, err
		}
		share := &velro.ProjectShare{ProjectID: id, TeamID: teamID, AccessLevel: in.Body.AccessLevel}
		if _, err := store.ShareProject(ctx, share); err != nil {
			return nil, err
		}
		return &shareOutput{Body: share}, nil
	}
}

type unshareInput struct {
	IDPath
	TeamID string `path:"team_id" format:"uuid"`
}

func handleUnshareProject(store velro.Store, engine *authz.Engine) func(context.Context, *unshareInput) (*messageOutput, error) {
	return func(ctx context.Context, in *unshareInput) (*messageOutput, error) {
		_, id, err := require(ctx, engine, velro.KindProject, in.ID, velro.ActionShare)
		if err != nil {
			return nil, err
		}
		teamID, err := parseID("team_id", in.TeamID)
		if err != nil {
			return nil, err
		}
		if _, err := store.UnshareProject(ctx, id, teamID); err != nil {
			return nil, err
		}
		return message("Project unshared from team"), nil
	}
}
