import pulumi
import pulumi_aws as aws

zone = aws.route53.get_zone(name="example.org")
cert = aws.acm.Certificate("site", domain_name="app.example.org", validation_method="DNS")
option = cert.domain_validation_options[0]
record = aws.route53.Record("site-validation", zone_id=zone.zone_id, name=option.resource_record_name,
                            type=option.resource_record_type, records=[option.resource_record_value], ttl=60)
aws.acm.CertificateValidation("site", certificate_arn=cert.arn, validation_record_fqdns=[record.fqdn])
api = aws.appsync.GraphQLApi("notes", authentication_type="API_KEY", name="notes")
pulumi.export("graphql", api.uris["GRAPHQL"])
pulumi.export("endpoint", api.uris.apply(lambda uris: uris["GRAPHQL"] + "?x=1"))
