<%@ page contentType="text/plain;charset=UTF-8" session="false" %><%@ taglib prefix="c" uri="jakarta.tags.core" %><%
    pageContext.setAttribute("identity", dev.nserv.demo.ServerInfo.describe(application));
%>hello from JSP, <c:out value="${param.name}" default="world"/>
<c:out value="${identity}"/>
