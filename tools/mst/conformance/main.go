// Command conformance drives a local MST with Aiven's published Go client
// (github.com/aiven/go-client-codegen, the client the aiven Terraform provider uses) through every
// endpoint the local MST serves, and fails when a response does not decode into the client's types,
// lacks a field those types declare without omitempty, carries a field they do not declare, or
// when an error is not in Aiven's error shape.
//
//	go run . -url http://127.0.0.1:PORT -token T -project P -service S -org ORG -member EMAIL -invitee EMAIL
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	aiven "github.com/aiven/go-client-codegen"
	"github.com/aiven/go-client-codegen/handler/organization"
	"github.com/aiven/go-client-codegen/handler/organizationuser"
	"github.com/aiven/go-client-codegen/handler/project"
	"github.com/aiven/go-client-codegen/handler/service"
	"github.com/aiven/go-client-codegen/handler/staticip"
	aivenv2 "github.com/aiven/aiven-go-client/v2"
)

// recorder keeps the body of the last response, so it can be checked against the client's types
// after the client has decoded it.
type recorder struct{ last []byte }

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	rsp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(rsp.Body)
	rsp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.last = b
	rsp.Body = io.NopCloser(bytes.NewReader(b))
	return rsp, nil
}

var (
	failures int
	checks   int
)

func fail(format string, args ...any) {
	failures++
	fmt.Printf("FAIL: "+format+"\n", args...)
}

func ok(cond bool, format string, args ...any) {
	checks++
	if !cond {
		fail(format, args...)
	}
}

// shape checks that the JSON value v has every field the Go type t declares without omitempty and
// no field t does not declare, recursively through structs, pointers and slices.
func shape(where string, v any, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if t == reflect.TypeOf(time.Time{}) {
			return
		}
		obj, isObj := v.(map[string]any)
		if !isObj {
			if v != nil {
				fail("%s: expected an object for %s, got %T", where, t.Name(), v)
			}
			return
		}
		declared := map[string]bool{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			name, opts, _ := strings.Cut(tag, ",")
			if name == "" || name == "-" {
				continue
			}
			declared[name] = true
			val, present := obj[name]
			checks++
			if !present && !strings.Contains(opts, "omitempty") {
				fail("%s: required field %q (%s.%s) is missing", where, name, t.Name(), f.Name)
				continue
			}
			if present {
				shape(where+"."+name, val, f.Type)
			}
		}
		for k := range obj {
			checks++
			if !declared[k] {
				fail("%s: field %q is not declared by %s", where, k, t.Name())
			}
		}
	case reflect.Slice:
		arr, isArr := v.([]any)
		if !isArr {
			if v != nil {
				fail("%s: expected a list, got %T", where, v)
			}
			return
		}
		for i, item := range arr {
			shape(fmt.Sprintf("%s[%d]", where, i), item, t.Elem())
		}
	}
}

// checkBody checks the last response body: its top-level object has `key` (the wrapper field of the
// codegen's private response type) holding a value of type t; key "" means the body itself is a t.
func checkBody(rec *recorder, op, key string, t reflect.Type) {
	var body any
	if err := json.Unmarshal(rec.last, &body); err != nil {
		fail("%s: response is not JSON: %v", op, err)
		return
	}
	if key == "" {
		shape(op, body, t)
		return
	}
	obj, _ := body.(map[string]any)
	inner, present := obj[key]
	ok(present, "%s: response lacks its %q field", op, key)
	shape(op+"."+key, inner, t)
}

// apiError checks err is an Aiven error with the given status and the body is in Aiven's error shape.
func apiError(rec *recorder, op string, err error, status int, contains string) {
	var e aiven.Error
	if !errors.As(err, &e) {
		fail("%s: expected an Aiven error %d, got %v", op, status, err)
		return
	}
	ok(e.Status == status, "%s: expected status %d, got %d (%s)", op, status, e.Status, e.Message)
	ok(contains == "" || strings.Contains(e.Message, contains), "%s: message %q lacks %q", op, e.Message, contains)
	var body struct {
		Message *string `json:"message"`
		Errors  []struct {
			Message *string `json:"message"`
			Status  *int    `json:"status"`
		} `json:"errors"`
	}
	if jerr := json.Unmarshal(rec.last, &body); jerr != nil {
		fail("%s: error body is not JSON: %v", op, jerr)
		return
	}
	ok(body.Message != nil && *body.Message != "", "%s: error body lacks message", op)
	ok(len(body.Errors) == 1 && body.Errors[0].Message != nil && body.Errors[0].Status != nil && *body.Errors[0].Status == status,
		"%s: error body's errors[] must hold one {message, status: %d}: %s", op, status, rec.last)
}

func must(op string, err error) bool {
	checks++
	if err != nil {
		fail("%s: %v", op, err)
		return false
	}
	return true
}

func main() {
	url := flag.String("url", "", "local MST URL")
	token := flag.String("token", "", "API token")
	proj := flag.String("project", "", "project")
	svc := flag.String("service", "", "service (RUNNING, with no user named conformance_user)")
	org := flag.String("org", "", "organization ID")
	member := flag.String("member", "", "email of an organization user")
	invitee := flag.String("invitee", "", "email of someone not yet invited")
	flag.Parse()
	if *url == "" || *token == "" || *proj == "" || *svc == "" || *org == "" || *member == "" || *invitee == "" {
		fmt.Fprintln(os.Stderr, "usage: conformance -url URL -token T -project P -service S -org ORG -member EMAIL -invitee EMAIL")
		os.Exit(2)
	}
	ctx := context.Background()
	rec := &recorder{}
	c, err := aiven.NewClient(aiven.HostOpt(*url), aiven.TokenOpt(*token), aiven.DoerOpt(rec))
	if err != nil {
		fmt.Println("FAIL: client:", err)
		os.Exit(1)
	}
	typeOf := func(v any) reflect.Type { return reflect.TypeOf(v) }

	// data.aiven_pg
	s, err := c.ServiceGet(ctx, *proj, *svc, service.ServiceGetIncludeSecrets(true))
	if must("ServiceGet", err) {
		checkBody(rec, "ServiceGet", "service", typeOf(service.ServiceGetOut{}))
		ok(slices.Contains(service.ServiceStateTypeChoices(), string(s.State)), "ServiceGet: state %q not a ServiceStateType", s.State)
		ok(s.State == service.ServiceStateTypeRunning, "ServiceGet: expected RUNNING, got %s", s.State)
		ok(s.Maintenance != nil && s.ConnectionInfo != nil && len(s.ConnectionInfo.PGParams) == 1, "ServiceGet: the provider dereferences maintenance and connection_info.pg_params")
		plans, err := c.ProjectServicePlanSpecsGet(ctx, *proj, "pg", s.Plan)
		if must("ProjectServicePlanSpecsGet", err) {
			checkBody(rec, "ProjectServicePlanSpecsGet", "", typeOf(project.ProjectServicePlanSpecsGetOut{}))
			ok(plans.ServicePlan == s.Plan, "ProjectServicePlanSpecsGet: plan %q, asked %q", plans.ServicePlan, s.Plan)
		}
	}
	if _, err := c.StaticIPList(ctx, *proj); must("StaticIPList", err) {
		checkBody(rec, "StaticIPList", "static_ips", typeOf([]staticip.StaticIPOut{}))
	}
	if _, err := c.ProjectServiceTagsList(ctx, *proj, *svc); must("ProjectServiceTagsList", err) {
		checkBody(rec, "ProjectServiceTagsList", "tags", typeOf(map[string]string{}))
	}

	// aiven_pg_user
	const user = "conformance_user"
	if _, err := c.ServiceUserCreate(ctx, *proj, *svc, &service.ServiceUserCreateIn{
		Username: user, AccessControl: &service.AccessControlIn{PGAllowReplication: new(true)},
	}); must("ServiceUserCreate", err) {
		checkBody(rec, "ServiceUserCreate", "user", typeOf(service.ServiceUserCreateOut{}))
	}
	_, err = c.ServiceUserCreate(ctx, *proj, *svc, &service.ServiceUserCreateIn{Username: user})
	apiError(rec, "ServiceUserCreate twice", err, 409, "already exists")
	checks++
	if !aiven.IsAlreadyExists(err) {
		fail("ServiceUserCreate twice: aiven.IsAlreadyExists is false for %v", err)
	}
	if u, err := c.ServiceUserGet(ctx, *proj, *svc, user); must("ServiceUserGet", err) {
		checkBody(rec, "ServiceUserGet", "user", typeOf(service.ServiceUserGetOut{}))
		ok(u.Password != "", "ServiceUserGet: the generated password is not readable")
		ok(u.Type == "normal", "ServiceUserGet: type %q, expected normal", u.Type)
		ok(u.AccessControl != nil && u.AccessControl.PGAllowReplication != nil && *u.AccessControl.PGAllowReplication,
			"ServiceUserGet: access_control.pg_allow_replication is not true")
	}
	if _, err := c.ServiceUserCredentialsModify(ctx, *proj, *svc, user, &service.ServiceUserCredentialsModifyIn{
		Operation: service.ServiceUserCredentialsModifyOperationTypeResetCredentials, NewPassword: new("Conformance$Pass1"),
	}); must("ServiceUserCredentialsModify reset-credentials", err) {
		checkBody(rec, "ServiceUserCredentialsModify", "service", typeOf(service.ServiceUserCredentialsModifyOut{}))
	}
	if u, err := c.ServiceUserGet(ctx, *proj, *svc, user); must("ServiceUserGet after reset", err) {
		ok(u.Password == "Conformance$Pass1", "ServiceUserGet after reset: password not the one set")
	}
	if _, err := c.ServiceUserCredentialsModify(ctx, *proj, *svc, user, &service.ServiceUserCredentialsModifyIn{
		Operation:     service.ServiceUserCredentialsModifyOperationTypeSetAccessControl,
		AccessControl: &service.AccessControlIn{PGAllowReplication: new(false)},
	}); must("ServiceUserCredentialsModify set-access-control", err) {
		checkBody(rec, "ServiceUserCredentialsModify", "service", typeOf(service.ServiceUserCredentialsModifyOut{}))
	}
	if u, err := c.ServiceUserGet(ctx, *proj, *svc, user); must("ServiceUserGet after set-access-control", err) {
		ok(u.AccessControl != nil && u.AccessControl.PGAllowReplication != nil && !*u.AccessControl.PGAllowReplication,
			"ServiceUserGet: pg_allow_replication still true")
	}

	// data.aiven_organization_user_list, aiven_organization_permission
	var memberID string
	if orgs, err := c.UserOrganizationsList(ctx); must("UserOrganizationsList", err) {
		checkBody(rec, "UserOrganizationsList", "organizations", typeOf([]organization.OrganizationOut{}))
		ok(len(orgs) == 1 && orgs[0].OrganizationId == *org, "UserOrganizationsList: expected organization %s", *org)
	}
	if users, err := c.OrganizationUserList(ctx, *org); must("OrganizationUserList", err) {
		checkBody(rec, "OrganizationUserList", "users", typeOf([]organizationuser.UserOut{}))
		for _, u := range users {
			if u.UserInfo.UserEmail == *member {
				memberID = u.UserId
			}
		}
		ok(memberID != "", "OrganizationUserList: %s not listed", *member)
	}
	set := func(roles ...string) {
		in := &organization.PermissionsSetIn{Permissions: []organization.PermissionIn{}}
		if len(roles) > 0 {
			in.Permissions = append(in.Permissions, organization.PermissionIn{Permissions: roles, PrincipalId: memberID, PrincipalType: organization.PrincipalTypeUser})
		}
		must(fmt.Sprintf("PermissionsSet %v", roles), c.PermissionsSet(ctx, *org, organization.ResourceTypeProject, *proj, in))
		got, err := c.PermissionsGet(ctx, *org, organization.ResourceTypeProject, *proj)
		if must("PermissionsGet", err) {
			checkBody(rec, "PermissionsGet", "permissions", typeOf([]organization.PermissionOut{}))
			if len(roles) == 0 {
				ok(len(got) == 0, "PermissionsGet: expected none, got %v", got)
			} else {
				ok(len(got) == 1 && slices.Equal(got[0].Permissions, roles) && got[0].PrincipalId == memberID,
					"PermissionsGet: expected %v for %s, got %+v", roles, memberID, got)
			}
		}
	}
	set("developer")
	set("admin")
	if pul, err := c.ProjectUserList(ctx, *proj); must("ProjectUserList", err) {
		checkBody(rec, "ProjectUserList", "", typeOf(project.ProjectUserListOut{}))
		ok(len(pul.Users) == 1 && pul.Users[0].UserEmail == *member && pul.Users[0].MemberType == project.MemberTypeAdmin,
			"ProjectUserList: expected %s as admin, got %+v", *member, pul.Users)
	}
	set()
	err = c.PermissionsSet(ctx, *org, organization.ResourceTypeProject, *proj, &organization.PermissionsSetIn{
		Permissions: []organization.PermissionIn{{Permissions: []string{"owner"}, PrincipalId: memberID, PrincipalType: organization.PrincipalTypeUser}},
	})
	apiError(rec, "PermissionsSet unknown role", err, 400, "owner")

	// Project invitations: the codegen's ProjectInvite is deprecated and sends no body, so the request
	// body is the published aiven-go-client type the provider's older client sends.
	invite, _ := json.Marshal(aivenv2.CreateProjectInvitationRequest{UserEmail: *invitee, MemberType: "developer"})
	req, _ := http.NewRequest("POST", *url+"/v1/project/"+*proj+"/invite", bytes.NewReader(invite))
	req.Header.Set("Authorization", "aivenv1 "+*token)
	req.Header.Set("Content-Type", "application/json")
	if rsp, err := rec.Do(req); must("ProjectInvite", err) {
		ok(rsp.StatusCode == 200, "ProjectInvite: status %d: %s", rsp.StatusCode, rec.last)
	}
	if pul, err := c.ProjectUserList(ctx, *proj); must("ProjectUserList with invitation", err) {
		checkBody(rec, "ProjectUserList", "", typeOf(project.ProjectUserListOut{}))
		ok(len(pul.Invitations) == 1 && pul.Invitations[0].InvitedUserEmail == *invitee && pul.Invitations[0].MemberType == project.MemberTypeDeveloper,
			"ProjectUserList: expected the invitation of %s, got %+v", *invitee, pul.Invitations)
	}
	must("ProjectInviteDelete", c.ProjectInviteDelete(ctx, *proj, *invitee))
	if pul, err := c.ProjectUserList(ctx, *proj); must("ProjectUserList after delete", err) {
		ok(len(pul.Invitations) == 0, "ProjectUserList: invitation still listed")
	}

	// Power off and on.
	off := false
	if out, err := c.ServiceUpdate(ctx, *proj, *svc, &service.ServiceUpdateIn{Powered: &off}); must("ServiceUpdate powered=false", err) {
		checkBody(rec, "ServiceUpdate", "service", typeOf(service.ServiceUpdateOut{}))
		ok(out.State == service.ServiceStateTypePoweroff, "ServiceUpdate: expected POWEROFF, got %s", out.State)
	}
	_, err = c.ServiceUserCreate(ctx, *proj, *svc, &service.ServiceUserCreateIn{Username: "conformance_off"})
	apiError(rec, "ServiceUserCreate on a powered-off service", err, 409, "POWEROFF")
	on := true
	if out, err := c.ServiceUpdate(ctx, *proj, *svc, &service.ServiceUpdateIn{Powered: &on}); must("ServiceUpdate powered=true", err) {
		ok(out.State == service.ServiceStateTypeRunning, "ServiceUpdate: expected RUNNING, got %s", out.State)
	}

	must("ServiceUserDelete", c.ServiceUserDelete(ctx, *proj, *svc, user))
	_, err = c.ServiceUserGet(ctx, *proj, *svc, user)
	checks++
	if !aiven.IsNotFound(err) {
		fail("ServiceUserGet after delete: expected not found, got %v", err)
	}
	apiError(rec, "ServiceUserGet after delete", err, 404, user)

	// Errors.
	_, err = c.ServiceGet(ctx, *proj, "no-such-service")
	apiError(rec, "ServiceGet unknown service", err, 404, "no-such-service")
	bad, _ := aiven.NewClient(aiven.HostOpt(*url), aiven.TokenOpt("wrong-token"), aiven.DoerOpt(rec))
	_, err = bad.ServiceGet(ctx, *proj, *svc)
	apiError(rec, "ServiceGet with a wrong token", err, 403, "")

	fmt.Printf("conformance: %d checks, %d failures\n", checks, failures)
	if failures > 0 {
		os.Exit(1)
	}
}
