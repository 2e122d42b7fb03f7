package api

import (
	"context"

	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/service"
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

func handleCreateProject(projects *service.Projects) func(context.Context, *createProjectInput) (*projectOutput, error) {
	return func(ctx context.Context, in *createProjectInput) (*projectOutput, error) {
		p := &velro.Project{Name: in.Body.Name, Description: in.Body.Description, Visibility: in.Body.Visibility,
			Tags: in.Body.Tags, Metadata: in.Body.Metadata}
		if err := projects.Create(ctx, principal(ctx).UserID, p); err != nil {
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

func handleListProjects(projects *service.Projects) func(context.Context, *listProjectsInput) (*projectsOutput, error) {
	return func(ctx context.Context, in *listProjectsInput) (*projectsOutput, error) {
		list, total, err := projects.List(ctx, principal(ctx).UserID, velro.ProjectFilter{Visibility: in.Visibility, Page: in.page()})
		if err != nil {
			return nil, err
		}
		out := &projectsOutput{}
		out.Body.Projects, out.Body.PageInfo = list, in.info(total)
		return out, nil
	}
}

func handleGetProject(projects *service.Projects) func(context.Context, *IDPath) (*projectOutput, error) {
	return func(ctx context.Context, in *IDPath) (*projectOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		p, err := projects.Get(ctx, principal(ctx).UserID, id)
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

func handleUpdateProject(projects *service.Projects) func(context.Context, *updateProjectInput) (*projectOutput, error) {
	return func(ctx context.Context, in *updateProjectInput) (*projectOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		p, err := projects.Update(ctx, principal(ctx).UserID, id, velro.ProjectUpdate{Name: in.Body.Name, Description: in.Body.Description,
			Visibility: in.Body.Visibility, Tags: in.Body.Tags, Metadata: in.Body.Metadata})
		if err != nil {
			return nil, err
		}
		return &projectOutput{Body: p}, nil
	}
}

func handleDeleteProject(projects *service.Projects) func(context.Context, *IDPath) (*messageOutput, error) {
	return func(ctx context.Context, in *IDPath) (*messageOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		if err := projects.Delete(ctx, principal(ctx).UserID, id); err != nil {
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

type shareOutput struct {
	Body struct {
		*velro.ProjectShare
		Effective bool   `json:"effective" doc:"false while the project is private: private projects ignore their shares"`
		Detail    string `json:"detail,omitempty"`
	}
}

func handleShareProject(projects *service.Projects) func(context.Context, *shareInput) (*shareOutput, error) {
	return func(ctx context.Context, in *shareInput) (*shareOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		teamID, err := parseID("team_id", in.Body.TeamID)
		if err != nil {
			return nil, err
		}
		share := &velro.ProjectShare{ProjectID: id, TeamID: teamID, AccessLevel: in.Body.AccessLevel}
		effective, err := projects.Share(ctx, principal(ctx).UserID, share)
		if err != nil {
			return nil, err
		}
		out := &shareOutput{}
		out.Body.ProjectShare, out.Body.Effective = share, effective
		if !effective {
			out.Body.Detail = "Shared, but the project is private: private projects ignore their shares until their visibility is team-only or public."
		}
		return out, nil
	}
}

type unshareInput struct {
	IDPath
	TeamID string `path:"team_id" format:"uuid"`
}

func handleUnshareProject(projects *service.Projects) func(context.Context, *unshareInput) (*messageOutput, error) {
	return func(ctx context.Context, in *unshareInput) (*messageOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		teamID, err := parseID("team_id", in.TeamID)
		if err != nil {
			return nil, err
		}
		if err := projects.Unshare(ctx, principal(ctx).UserID, id, teamID); err != nil {
			return nil, err
		}
		return message("Project unshared from team"), nil
	}
}

type listSharesInput struct {
	IDPath
	PageInput
}

type sharesOutput struct {
	Body struct {
		Shares []*velro.ProjectShare `json:"shares"`
		PageInfo
	}
}

func handleListShares(projects *service.Projects) func(context.Context, *listSharesInput) (*sharesOutput, error) {
	return func(ctx context.Context, in *listSharesInput) (*sharesOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		list, total, err := projects.Shares(ctx, principal(ctx).UserID, id, in.page())
		if err != nil {
			return nil, err
		}
		out := &sharesOutput{}
		out.Body.Shares, out.Body.PageInfo = list, in.info(total)
		return out, nil
	}
}

type projectStatsOutput struct{ Body velro.ProjectStats }

func handleProjectStats(projects *service.Projects) func(context.Context, *IDPath) (*projectStatsOutput, error) {
	return func(ctx context.Context, in *IDPath) (*projectStatsOutput, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		st, err := projects.Stats(ctx, principal(ctx).UserID, id)
		if err != nil {
			return nil, err
		}
		return &projectStatsOutput{Body: st}, nil
	}
}
