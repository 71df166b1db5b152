import pulumi
import pulumi_aws as aws

config = pulumi.Config()
environment = config.require("environment")
db_name = config.require("dbName")
password = config.require_secret("dbPassword")
storage = config.require_int("storageGb")
aws.rds.Instance("db", engine="postgres", instance_class="db.t4g.micro", allocated_storage=storage,
                 db_name=db_name, username="app", password=password, storage_encrypted=True,
                 tags={"environment": environment})
