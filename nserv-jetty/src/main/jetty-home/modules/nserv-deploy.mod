# nserv's deployer for jetty-home: see docs/jetty-home.md of the nserv project.

[description]
nserv's deployer for the deployment scanner (it provides "deployer", in place of deployer-standard): a hot
redeploy (a WAR replaced in webapps/) or undeploy (a WAR deleted) lets the old context finish its requests before
it stops, at most nserv.drainTimeout, as in nserv's bundled server. Needs jetty.deploy.scanInterval > 0 for hot
deployment.

[tags]
nserv
deployment

[provides]
deployer

[depend]
nserv

[lib]
lib/jetty-deploy-${jetty.version}.jar

[xml]
etc/nserv-deploy.xml
