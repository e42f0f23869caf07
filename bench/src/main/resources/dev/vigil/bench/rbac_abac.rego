# Role-based access with attribute conditions, over data.rbac:
#   users[id]     = {"roles": [...], "department": d, "clearance": 0..3}
#   roles[id]     = {"permissions": {resource_id: [actions]}}
#   resources[id] = {"environment": e, "classification": c, "owner": department}
# A role must grant the action on the resource; the user's clearance must reach the
# resource's classification; production needs MFA, and changes in production need the
# owning department.
package rbac

default allow := false

clearance_required := {"public": 0, "internal": 1, "confidential": 2, "restricted": 3}

user := data.rbac.users[input.user.id]

resource := data.rbac.resources[input.resource.id]

allow if {
	role_grants_action
	user.clearance >= clearance_required[resource.classification]
	environment_permits
}

role_grants_action if {
	some role in user.roles
	input.action in data.rbac.roles[role].permissions[input.resource.id]
}

environment_permits if resource.environment != "production"

environment_permits if {
	resource.environment == "production"
	input.user.mfa == true
	input.action == "read"
}

environment_permits if {
	resource.environment == "production"
	input.user.mfa == true
	input.action != "read"
	user.department == resource.owner
}
