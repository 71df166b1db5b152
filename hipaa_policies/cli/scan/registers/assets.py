"""Asset inventory and network map (the technology asset inventory and network map of the 2025
proposed rule; 164.308(a)(1)(ii)(A), 164.310(a), 164.312(e)).

* ``assets``: every resource with its owner, system and classification tags, whether it is in
  the PHI scope, and its violations.
* ``network``: every resource placed in a VPC, with its subnets and security groups and the
  ports its security groups open to the internet.
* ``graph``: the VPC → subnet → security group → resource graph as data (nodes and edges), with
  internet ingress marked; :func:`diagram_svg` draws it for the dashboard (no network fetches).

Links are the engine's property dependencies and, without them, the stack index's joins by id,
name or ARN — the joins the network policies use.
"""
from __future__ import annotations

import html
from typing import Any, Dict, List, Optional, Set, Tuple

from hipaa_policies.core.tokens import canonical, expand
from hipaa_policies.cli.scan.registers._base import (
    IDENTITY, Column, Context, Table, items)

VPC = ("aws:ec2/vpc:Vpc", "aws:ec2/defaultVpc:DefaultVpc")
SUBNET = ("aws:ec2/subnet:Subnet", "aws:ec2/defaultSubnet:DefaultSubnet")
SG = ("aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SUBNET_GROUPS = ("aws:rds/subnetGroup:SubnetGroup", "aws:elasticache/subnetGroup:SubnetGroup",
                 "aws:redshift/subnetGroup:SubnetGroup", "aws:docdb/subnetGroup:SubnetGroup",
                 "aws:neptune/subnetGroup:SubnetGroup", "aws:memorydb/subnetGroup:SubnetGroup",
                 "aws:dms/replicationSubnetGroup:ReplicationSubnetGroup")
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
ROUTE_ASSOC = "aws:ec2/routeTableAssociation:RouteTableAssociation"
IGW = "aws:ec2/internetGateway:InternetGateway"
NETWORK_TYPES = set(expand(VPC + SUBNET + SG + (SG_RULE, INGRESS_RULE, ROUTE_TABLE, ROUTE, ROUTE_ASSOC, IGW)
                           + SUBNET_GROUPS + ("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",)))
SUBNET_TYPES, SG_TYPES, GROUP_TYPES = (frozenset(expand(t)) for t in (SUBNET, SG, SUBNET_GROUPS))
ANYWHERE = ("0.0.0.0/0", "::/0")
OWNER_TAGS = ("owner", "Owner", "team", "Team", "owner-team")
SYSTEM_TAGS = ("system", "System", "application", "Application", "app", "service", "Service", "project", "Project")
# Where a resource names its subnets / security groups by value (used when the engine recorded no
# property dependency, as in hand-written exports).
SUBNET_PATHS = ("subnetId", "subnetIds", "subnets", "networkConfiguration.subnets", "vpcConfig.subnetIds",
                "vpcOptions.subnetIds", "subnetMappings[0].subnetId")
SG_PATHS = ("vpcSecurityGroupIds", "securityGroups", "securityGroupIds", "networkConfiguration.securityGroups",
            "vpcConfig.securityGroupIds", "vpcOptions.securityGroupIds")
GROUP_PATHS = ("dbSubnetGroupName", "subnetGroupName", "clusterSubnetGroupName", "replicationSubnetGroupId")
SUBNET_TOPS, SG_TOPS, GROUP_TOPS = ([(p.split(".")[0].split("[")[0], p) for p in paths]
                                    for paths in (SUBNET_PATHS, SG_PATHS, GROUP_PATHS))

ASSET_COLUMNS = IDENTITY + [
    Column("owner", "Owner tag"),
    Column("system", "System tag"),
    Column("classification", "Classification tag"),
    Column("inScope", "In PHI scope", "bool"),
    Column("parent", "Parent", "ref"),
    Column("mandatoryViolations", "Mandatory violations", "number"),
    Column("advisoryViolations", "Advisory violations", "number"),
]
NETWORK_COLUMNS = IDENTITY + [
    Column("vpc", "VPC", "list"),
    Column("subnets", "Subnets", "list"),
    Column("securityGroups", "Security groups", "list"),
    Column("internetIngress", "Open to the internet", "list", "protocol/ports its security groups admit from anywhere"),
    Column("publicExposure", "Public by configuration", "list"),
]


def _ports(ctx: Context, rule: Any, proto_key: str) -> str:
    proto = ctx.value(rule, proto_key)
    lo, hi = ctx.value(rule, "fromPort"), ctx.value(rule, "toPort")
    if str(proto) in ("-1", "all"):
        return "all traffic"
    if lo is None and hi is None:
        return f"{proto}"
    return f"{proto} {lo}" if lo == hi else f"{proto} {lo}-{hi}"


def _open_to_internet(ctx: Context, rule: Any, keys: Tuple[str, ...]) -> bool:
    for key in keys:
        v = ctx.value(rule, key)
        values = v if isinstance(v, list) else [v]
        if any(x in ANYWHERE for x in values):
            return True
    return False


class Network:
    """Subnets, security groups and their links, computed once per stack."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.vpc_of: Dict[str, Optional[str]] = {}
        for r in ctx.of_type(*SUBNET, *SG):
            v = ctx.resolved(r, "vpcId", VPC)
            self.vpc_of[r.urn] = v.urn if v is not None else None
        self.ingress: Dict[str, Set[str]] = {}           # SG urn -> ports open to the internet
        self.sg_sources: Dict[str, Set[str]] = {}        # SG urn -> SG urns it admits
        for sg in ctx.of_type(*SG):
            for rule in items(sg, "ingress"):
                if _open_to_internet(ctx, rule, ("cidrBlocks", "ipv6CidrBlocks")):
                    self.ingress.setdefault(sg.urn, set()).add(_ports(ctx, rule, "protocol"))
            for src in ctx.targets(sg, "ingress", SG)[0]:
                if src.urn != sg.urn:
                    self.sg_sources.setdefault(sg.urn, set()).add(src.urn)
        for rule in ctx.of_type(SG_RULE, INGRESS_RULE):
            if canonical(rule.type) == SG_RULE and str(ctx.value(rule, "type")).lower() != "ingress":
                continue
            target = ctx.resolved(rule, "securityGroupId", SG)
            if target is None:
                continue
            keys = ("cidrBlocks", "ipv6CidrBlocks") if canonical(rule.type) == SG_RULE else ("cidrIpv4", "cidrIpv6")
            proto = "protocol" if canonical(rule.type) == SG_RULE else "ipProtocol"
            if _open_to_internet(ctx, rule, keys):
                self.ingress.setdefault(target.urn, set()).add(_ports(ctx, rule, proto))
            src_key = "sourceSecurityGroupId" if canonical(rule.type) == SG_RULE else "referencedSecurityGroupId"
            src = ctx.resolved(rule, src_key, SG)
            if src is not None:
                self.sg_sources.setdefault(target.urn, set()).add(src.urn)
        self.public_subnets = self._public_subnets()

    def _public_subnets(self) -> Set[str]:
        ctx = self.ctx
        public_tables: Set[str] = set()
        for rt in ctx.of_type(ROUTE_TABLE):
            for route in items(rt, "routes"):
                if ctx.value(route, "cidrBlock") in ANYWHERE or ctx.value(route, "ipv6CidrBlock") in ANYWHERE:
                    gw = ctx.value(route, "gatewayId")
                    if (isinstance(gw, str) and gw.startswith("igw-")) or ctx.targets(rt, "routes", (IGW,))[0]:
                        public_tables.add(rt.urn)
        for route in ctx.of_type(ROUTE):
            if ctx.value(route, "destinationCidrBlock") in ANYWHERE and (
                    ctx.targets(route, "gatewayId", (IGW,))[0] or str(ctx.value(route, "gatewayId")).startswith("igw-")):
                rt = ctx.resolved(route, "routeTableId", (ROUTE_TABLE,))
                if rt is not None:
                    public_tables.add(rt.urn)
        out: Set[str] = set()
        for assoc in ctx.of_type(ROUTE_ASSOC):
            rt = ctx.resolved(assoc, "routeTableId", (ROUTE_TABLE,))
            subnet = ctx.resolved(assoc, "subnetId", SUBNET)
            if rt is not None and subnet is not None and rt.urn in public_tables:
                out.add(subnet.urn)
        return out

    def placement(self, r: Any) -> Tuple[List[str], List[str]]:
        """(subnet URNs, security group URNs) a resource is placed in."""
        ctx = self.ctx
        subnet_types, sg_types, group_types = SUBNET_TYPES, SG_TYPES, GROUP_TYPES
        subnets: Set[str] = set()
        sgs: Set[str] = set()
        groups: List[Any] = []
        for urns in r.property_dependencies.values():
            for urn in urns:
                t = ctx.index.by_urn.get(urn)
                if t is None:
                    continue
                if t.type in subnet_types:
                    subnets.add(urn)
                elif t.type in sg_types:
                    sgs.add(urn)
                elif t.type in group_types:
                    groups.append(t)
        raw = r.raw
        if not subnets:
            for top, path in SUBNET_TOPS:
                if top in raw:
                    subnets.update(t.urn for t in ctx.targets(r, path, SUBNET)[0])
        if not sgs:
            for top, path in SG_TOPS:
                if top in raw:
                    sgs.update(t.urn for t in ctx.targets(r, path, SG)[0])
        if not groups:
            for top, path in GROUP_TOPS:
                if top in raw:
                    groups += ctx.targets(r, path, SUBNET_GROUPS)[0]
        for g in groups:
            subnets.update(t.urn for t in ctx.targets(g, "subnetIds", SUBNET)[0])
        return sorted(subnets), sorted(sgs)


def _public_reasons(ctx: Context, r: Any) -> List[str]:
    t = canonical(r.type)
    out = []
    if t == "aws:lb/loadBalancer:LoadBalancer" and ctx.value(r, "internal") is not True:
        out.append("internet-facing load balancer")
    if t == "aws:elb/loadBalancer:LoadBalancer" and ctx.value(r, "internal") is not True:
        out.append("internet-facing classic load balancer")
    if ctx.value(r, "publiclyAccessible") is True:
        out.append("publiclyAccessible: true")
    if ctx.value(r, "associatePublicIpAddress") is True:
        out.append("associatePublicIpAddress: true")
    if t in expand(SUBNET) and ctx.value(r, "mapPublicIpOnLaunch") is True:
        out.append("mapPublicIpOnLaunch: true")
    if ctx.value(r, "networkConfiguration.assignPublicIp") is True:
        out.append("assignPublicIp: true")
    return out


def build(ctx: Context) -> Dict[str, Any]:
    counts: Dict[str, List[int]] = {}
    for res in ctx.stack.results:
        if res.status == "fail":
            c = counts.setdefault(res.urn, [0, 0])
            c[0 if res.level == "mandatory" else 1] += 1
    tag_key = ctx.settings.tag_key
    assets = Table("assets", "Asset inventory", ASSET_COLUMNS, "Every resource of the stack.")
    for r in ctx.index.resources:
        c = counts.get(r.urn, [0, 0])
        assets.add(ctx.entry(r, owner=ctx.tag(r, *OWNER_TAGS), system=ctx.tag(r, *SYSTEM_TAGS),
                             classification=ctx.tag(r, tag_key), inScope=ctx.in_scope(r),
                             parent=r.parent if r.parent and "::pulumi:pulumi:Stack::" not in r.parent else None,
                             mandatoryViolations=c[0], advisoryViolations=c[1]))
    net = Network(ctx)
    network = Table("network", "Network placement", NETWORK_COLUMNS,
                    "Resources placed in a VPC, their subnets and security groups, and internet ingress.")
    nodes: Dict[str, Dict[str, Any]] = {}
    edges: List[Dict[str, Any]] = []

    def node(r: Any, kind: str) -> None:
        if r.urn not in nodes:
            nodes[r.urn] = {"id": r.urn, "kind": kind, "type": r.type, "name": r.name}

    for v in ctx.of_type(*VPC):
        node(v, "vpc")
        nodes[v.urn]["cidr"] = ctx.value(v, "cidrBlock")
    for s in ctx.of_type(*SUBNET):
        node(s, "subnet")
        nodes[s.urn]["cidr"] = ctx.value(s, "cidrBlock")
        nodes[s.urn]["public"] = s.urn in net.public_subnets or ctx.value(s, "mapPublicIpOnLaunch") is True
        if net.vpc_of.get(s.urn):
            edges.append({"from": net.vpc_of[s.urn], "to": s.urn, "kind": "contains"})
    for g in ctx.of_type(*SG):
        node(g, "securityGroup")
        open_ports = sorted(net.ingress.get(g.urn, ()))
        nodes[g.urn]["internetIngress"] = open_ports
        if net.vpc_of.get(g.urn):
            edges.append({"from": net.vpc_of[g.urn], "to": g.urn, "kind": "contains"})
        if open_ports:
            edges.append({"from": "internet", "to": g.urn, "kind": "ingress", "ports": open_ports})
        for src in sorted(net.sg_sources.get(g.urn, ())):
            edges.append({"from": src, "to": g.urn, "kind": "ingress"})
    for r in ctx.index.resources:
        if r.type in NETWORK_TYPES:
            continue
        subnets, sgs = net.placement(r)
        if not subnets and not sgs:
            continue
        vpcs = sorted({v for v in (net.vpc_of.get(u) for u in subnets + sgs) if v})
        ingress = sorted({p for g in sgs for p in net.ingress.get(g, ())})
        public = _public_reasons(ctx, r)
        network.add(ctx.entry(r, vpc=vpcs, subnets=subnets, securityGroups=sgs, internetIngress=ingress,
                              publicExposure=public))
        node(r, "resource")
        nodes[r.urn]["internetIngress"] = ingress
        nodes[r.urn]["public"] = bool(public)
        for u in subnets:
            edges.append({"from": u, "to": r.urn, "kind": "member"})
        for u in sgs:
            edges.append({"from": u, "to": r.urn, "kind": "guarded-by"})
    if any(e["from"] == "internet" for e in edges):
        nodes["internet"] = {"id": "internet", "kind": "internet", "type": "", "name": "Internet"}
    ordered = sorted(nodes.values(), key=lambda n: (n["kind"], n["id"]))
    edges.sort(key=lambda e: (e["from"], e["to"], e["kind"]))
    return {"tables": [assets, network], "graph": {"nodes": ordered, "edges": edges}}


# --------------------------------------------------------------------------- the diagram
MAX_VPCS = 8          # VPC blocks drawn per stack
MAX_PER_COLUMN = 24   # subnets / security groups / resources drawn per VPC block
ROW, BOX_W, BOX_H, TOP = 30, 190, 22, 50
COLUMNS_X = {"internet": 10, "vpc": 150, "subnet": 400, "securityGroup": 660, "resource": 920}
INTERNET_W = 110


def _short(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def diagram_svg(graph: Dict[str, Any]) -> str:
    """The network graph as an SVG: Internet | VPC | subnets | security groups | resources, one block
    per VPC; edges from the internet in red with the ports they open.  Large graphs are cut to
    MAX_VPCS blocks of MAX_PER_COLUMN entries per column, saying how much is left out."""
    nodes = {n["id"]: n for n in graph.get("nodes", [])}
    edges = graph.get("edges", [])
    children: Dict[str, Dict[str, List[str]]] = {}
    parent_vpc: Dict[str, str] = {}
    for e in edges:
        if e["kind"] == "contains":
            parent_vpc[e["to"]] = e["from"]
    for e in edges:
        if e["kind"] in ("member", "guarded-by"):
            vpc = parent_vpc.get(e["from"])
            if vpc and e["to"] not in parent_vpc:
                parent_vpc[e["to"]] = vpc
    vpcs = [n for n in nodes.values() if n["kind"] == "vpc"]
    orphans = "(no VPC in the stack)"
    for urn, vpc in parent_vpc.items():
        kind = nodes.get(urn, {}).get("kind")
        if kind in ("subnet", "securityGroup", "resource"):
            children.setdefault(vpc, {"subnet": [], "securityGroup": [], "resource": []})[kind].append(urn)
    loose = [n["id"] for n in nodes.values() if n["kind"] in ("subnet", "securityGroup", "resource")
             and n["id"] not in parent_vpc]
    if loose:
        block = children.setdefault(orphans, {"subnet": [], "securityGroup": [], "resource": []})
        for urn in loose:
            block[nodes[urn]["kind"]].append(urn)
    order = [v["id"] for v in vpcs] + ([orphans] if orphans in children else [])
    shown_blocks = order[:MAX_VPCS]
    pos: Dict[str, Tuple[float, float]] = {}
    parts: List[str] = []
    blocks: List[str] = []
    y = TOP
    notes: List[str] = []
    for vid in shown_blocks:
        block = children.get(vid, {"subnet": [], "securityGroup": [], "resource": []})
        rows = max([1] + [min(len(v), MAX_PER_COLUMN) + (1 if len(v) > MAX_PER_COLUMN else 0) for v in block.values()])
        height = rows * ROW + 16
        vnode = nodes.get(vid, {"name": vid, "cidr": None, "kind": "vpc"})
        blocks.append(f"<rect class='vpc-block' x='{COLUMNS_X['vpc'] - 8}' y='{y - 8}' "
                     f"width='{COLUMNS_X['resource'] + BOX_W + 16 - COLUMNS_X['vpc']}' height='{height}' rx='10'/>")
        label = vnode.get("name", vid) + (f" {vnode['cidr']}" if vnode.get("cidr") else "")
        pos[vid] = (COLUMNS_X["vpc"], y)
        parts.append(_box(COLUMNS_X["vpc"], y, label, "vpc", vid))
        for kind in ("subnet", "securityGroup", "resource"):
            members = sorted(block[kind], key=lambda u: nodes[u]["name"])
            for i, urn in enumerate(members[:MAX_PER_COLUMN]):
                n = nodes[urn]
                cy = y + i * ROW
                pos[urn] = (COLUMNS_X[kind], cy)
                extra = ""
                if kind == "subnet":
                    extra = f" {n.get('cidr') or ''}".rstrip()
                elif n.get("internetIngress") and kind == "securityGroup":
                    extra = " ← " + ", ".join(n["internetIngress"])
                cls = kind + (" public" if n.get("public") else "") + (" open" if n.get("internetIngress") else "")
                parts.append(_box(COLUMNS_X[kind], cy, n["name"] + extra, cls, urn,
                                  title=f"{n['type']}\n{urn}" + (f"\nopen to the internet: {', '.join(n['internetIngress'])}"
                                                                 if n.get("internetIngress") else "")))
            if len(members) > MAX_PER_COLUMN:
                cy = y + MAX_PER_COLUMN * ROW
                parts.append(f"<text class='more' x='{COLUMNS_X[kind] + 6}' y='{cy + 15}'>… "
                             f"{len(members) - MAX_PER_COLUMN} more (see the network register)</text>")
        y += height + 18
    if len(order) > MAX_VPCS:
        notes.append(f"… {len(order) - MAX_VPCS} more VPC(s) not drawn; the full graph is in the evidence bundle.")
    has_internet = "internet" in nodes
    lines: List[str] = []
    for e in edges:
        if e["kind"] == "contains":
            continue  # the VPC block shows what the VPC contains
        a, b = pos.get(e["from"]), pos.get(e["to"])
        if b is None or (a is None and e["from"] != "internet"):
            continue
        y2 = b[1] + BOX_H / 2
        if e["from"] == "internet":
            # along the top band, then down the gap left of the security groups
            x1, y1, lane, x2 = COLUMNS_X["internet"] + INTERNET_W, TOP + BOX_H / 2, TOP - 14, b[0]
            d = (f"M{x1:.0f},{y1:.0f} L{x1 + 12:.0f},{y1:.0f} L{x1 + 12:.0f},{lane:.0f} L{x2 - 22:.0f},{lane:.0f} "
                 f"L{x2 - 22:.0f},{y2:.0f} L{x2:.0f},{y2:.0f}")
        elif e["kind"] == "ingress":  # SG -> SG: same column, loop on the right
            x1, y1, x2 = a[0] + BOX_W, a[1] + BOX_H / 2, b[0] + BOX_W
            d = f"M{x1:.0f},{y1:.0f} C{x1 + 40:.0f},{y1:.0f} {x2 + 40:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
        else:
            x1, y1, x2 = a[0] + BOX_W, a[1] + BOX_H / 2, b[0]
            mid = x2 - 35
            d = f"M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
        cls = "edge " + e["kind"] + (" internet" if e["from"] == "internet" else "")
        title = ""
        if e.get("ports"):
            title = f"<title>open to the internet: {html.escape(', '.join(e['ports']))}</title>"
        lines.append(f"<path class='{cls}' d='{d}'>{title}</path>")
    if has_internet:
        parts.insert(0, _box(COLUMNS_X["internet"], TOP, "Internet", "internet", "internet", width=INTERNET_W))
    width = COLUMNS_X["resource"] + BOX_W + 60
    height = y + 20 + 18 * len(notes)
    heads = "".join(f"<text class='col' x='{COLUMNS_X[k]}' y='18'>{t}</text>" for k, t in (
        ("internet", "Internet"), ("vpc", "VPC"), ("subnet", "Subnets"), ("securityGroup", "Security groups"),
        ("resource", "Resources")))
    foot = "".join(f"<text class='more' x='12' y='{y + 14 + 18 * i}'>{html.escape(n)}</text>" for i, n in enumerate(notes))
    if not shown_blocks:
        foot += "<text class='more' x='12' y='70'>No VPC, subnet or security group is declared in this stack.</text>"
        height = max(height, 100)
    return (f"<svg class='netmap' xmlns='http://www.w3.org/2000/svg' width='{width:.0f}' height='{height:.0f}' "
            f"viewBox='0 0 {width:.0f} {height:.0f}' role='img' aria-label='Network map'>{heads}"
            + "".join(blocks) + "".join(lines) + "".join(parts) + foot + "</svg>")


def _box(x: float, y: float, label: str, cls: str, urn: str, title: str = "", width: float = BOX_W) -> str:
    return (f"<g class='node {html.escape(cls)}' data-urn='{html.escape(urn, quote=True)}'>"
            f"<title>{html.escape(title or urn)}</title>"
            f"<rect x='{x:.0f}' y='{y:.0f}' width='{width:.0f}' height='{BOX_H}' rx='5'/>"
            f"<text x='{x + 7:.0f}' y='{y + 15:.0f}'>{html.escape(_short(label, int(width / 7.2)))}</text></g>")

