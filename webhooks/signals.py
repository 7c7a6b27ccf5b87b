"""What other layers may listen to. This app sits beside notifications and may not import it,
so telling people about an endpoint is left to a layer above that connects a receiver."""

from django.dispatch import Signal

# Sent with `organization` and `endpoint` when failures turned an endpoint off.
endpoint_turned_off = Signal()
