"""Which subnets of a stack route to the internet: the route-table reasoning VPC and EMR checks share
(164.312(e)(1), 164.312(a)(1)).

A subnet is *public* when the route table that applies to it has a default route (``0.0.0.0/0`` or
``::/0``) whose ``gatewayId`` is an internet gateway.  The table that applies is the one an
``aws.ec2.RouteTableAssociation`` names, else its VPC's main table (an ``aws.ec2.DefaultRouteTable``,
the table of an ``aws.ec2.MainRouteTableAssociation``, or routes added to ``vpc.main_route_table_id``;
AWS's own main table has only the local route).  Routes come from ``routes`` of route tables and
from ``aws.ec2.Route`` resources.  :class:`Routes` builds every map once per stack call, so each
lookup is a few hash probes.
"""
from __future__ import annotations

from typing import Dict, List, Set

from hipaa_policies.core.helpers.links import references
from hipaa_policies.core.props import UNKNOWN, is_unknown

VPC = "aws:ec2/vpc:Vpc"
DEFAULT_VPC = "aws:ec2/defaultVpc:DefaultVpc"
SUBNET = "aws:ec2/subnet:Subnet"
DEFAULT_SUBNET = "aws:ec2/defaultSubnet:DefaultSubnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
DEFAULT_ROUTE_TABLE = "aws:ec2/defaultRouteTable:DefaultRouteTable"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
MAIN_ROUTE_TABLE_ASSOCIATION = "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation"
INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
VPN_GATEWAY = "aws:ec2/vpnGateway:VpnGateway"
DEFAULT_ROUTES = ("0.0.0.0/0", "::/0")
TABLE_TYPES = (ROUTE_TABLE, DEFAULT_ROUTE_TABLE, VPC, DEFAULT_VPC)


def _merge(a, b):
    """True beats UNKNOWN beats False."""
    if a is True or b is True:
        return True
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    return False


class Routes:
    """The stack's route tables, associations and internet-gateway routes (built once)."""

    def __init__(self, stack) -> None:
        self.stack = stack
        self._igw_ident = stack._targets_of_type((INTERNET_GATEWAY,))
        self.table_state: Dict[str, object] = {}      # table key -> True / UNKNOWN (default route to an IGW)
        self.explicit: Dict[str, Set[str]] = {}        # subnet key -> table keys
        self.main: Dict[str, Set[str]] = {}            # vpc key -> table keys
        self.open_associations = False
        for rt in stack.of_type(ROUTE_TABLE, DEFAULT_ROUTE_TABLE):
            state = self._inline_routes(rt)
            if state is not False:
                self.table_state[rt.urn] = state
        for route in stack.of_type(ROUTE):
            state = self._route_state(route.get("destinationCidrBlock"), route.get("destinationIpv6CidrBlock"),
                                      route.get("gatewayId"), route.property_dependencies.get("gatewayId", ()))
            if state is False:
                continue
            tables, unresolved = references(stack, route, "routeTableId", TABLE_TYPES)
            for key in tables:
                self.table_state[key] = _merge(self.table_state.get(key, False), state)
            if unresolved:
                self.table_state["?"] = UNKNOWN  # a route to an IGW in a table we cannot name
        for assoc in stack.of_type(ROUTE_TABLE_ASSOCIATION):
            subnets, s_open = references(stack, assoc, "subnetId", (SUBNET, DEFAULT_SUBNET))
            tables, t_open = references(stack, assoc, "routeTableId", TABLE_TYPES)
            if s_open:
                self.open_associations = True
            for s in subnets:
                self.explicit.setdefault(s, set()).update(tables | ({"?"} if t_open else set()))
        for drt in stack.of_type(DEFAULT_ROUTE_TABLE):
            vpcs, _open = references(stack, drt, "defaultRouteTableId", (VPC, DEFAULT_VPC))
            for v in vpcs:
                self.main.setdefault(v, set()).add(drt.urn)
        for mrta in stack.of_type(MAIN_ROUTE_TABLE_ASSOCIATION):
            vpcs, _open = references(stack, mrta, "vpcId", (VPC, DEFAULT_VPC))
            tables, t_open = references(stack, mrta, "routeTableId", TABLE_TYPES)
            for v in vpcs:
                self.main.setdefault(v, set()).update(tables | ({"?"} if t_open else set()))

    def _is_igw(self, gateway, deps) -> object:
        """True / False / UNKNOWN: a route's ``gatewayId`` names an internet gateway."""
        dep_types = {self.stack.by_urn[u].type for u in deps if u in self.stack.by_urn}
        if gateway is UNKNOWN or is_unknown(gateway):
            if dep_types and dep_types <= {INTERNET_GATEWAY}:
                return True  # `gatewayId` holds an IGW or a virtual private gateway; only an IGW is linked
            return UNKNOWN
        if not isinstance(gateway, str) or not gateway:
            return False
        return gateway.startswith("igw-") or gateway in self._igw_ident

    def _route_state(self, cidr, ipv6, gateway, deps) -> object:
        dests = [d for d in (cidr, ipv6) if d is not None]
        if any(d is UNKNOWN or is_unknown(d) for d in dests):
            dest = UNKNOWN
        else:
            dest = any(isinstance(d, str) and d.strip() in DEFAULT_ROUTES for d in dests)
        if dest is False:
            return False
        igw = self._is_igw(gateway, deps)
        if igw is False:
            return False
        return True if dest is True and igw is True else UNKNOWN

    def _inline_routes(self, rt) -> object:
        routes = rt.list("routes")
        if routes is UNKNOWN:
            return UNKNOWN if rt.property_dependencies.get("routes") else False
        deps = rt.property_dependencies.get("routes", ())
        state = False
        for _path, route in rt.items("routes"):
            state = _merge(state, self._route_state(route.get("cidrBlock"), route.get("ipv6CidrBlock"),
                                                    route.get("gatewayId"), deps))
        return state

    def _tables(self, subnet) -> List[str]:
        explicit = self.explicit.get(subnet.urn)
        if explicit:
            return list(explicit)
        vpcs, unresolved = references(self.stack, subnet, "vpcId", (VPC, DEFAULT_VPC))
        tables: List[str] = []
        for v in vpcs:
            tables.append(v)  # routes added to `vpc.main_route_table_id`
            tables.extend(self.main.get(v, ()))
        if unresolved:
            tables.append("?")
        return tables

    def subnet_public(self, subnet) -> object:
        """True / False / UNKNOWN: the subnet's route table sends ``0.0.0.0/0`` or ``::/0`` to an
        internet gateway.  A default subnet is public by definition."""
        if subnet.type == DEFAULT_SUBNET:
            return True
        state = False
        for key in self._tables(subnet):
            # a table or VPC the stack does not declare has routes we cannot see
            unseen = key == "?" or key.startswith("name:")
            state = _merge(state, self.table_state.get(key, UNKNOWN if unseen else False))
        if state is False and self.open_associations and subnet.urn not in self.explicit:
            return UNKNOWN
        return state
