package staging

import rego.v1

# The staging app: engineers and SREs may read and write; everyone else is refused.
# This route runs in monitor mode in the demo, so a refusal is logged but let through.
default allow := false

allow if input.user.role in {"sre", "dev"}
