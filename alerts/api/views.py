from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ReadOnlyModelViewSet

from alerts import selectors, services
from alerts.models import Notification

NOTIFICATION_NOT_FOUND = "Notification not found."


class NotificationViewSet(ReadOnlyModelViewSet[Notification]):
    """The caller's notifications, newest first. Another user's are a 404."""

    class FilterSerializer(serializers.Serializer[Any]):
        unread = serializers.BooleanField(
            required=False,
            allow_null=True,
            default=None,
            help_text="true: only unread; false: only read; absent: all.",
        )

    class OutputSerializer(serializers.ModelSerializer[Notification]):
        class Meta:
            model = Notification
            fields = ["id", "level", "title", "body", "link", "read_at", "created_at"]
            read_only_fields = fields

    # Names the router's basename and the schema's model; get_queryset scopes.
    queryset = Notification.objects.none()
    serializer_class = OutputSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> Any:
        unread = None
        if self.action == "list":
            # A plain dict: from a QueryDict, DRF reads a missing boolean as false.
            filters = self.FilterSerializer(data=self.request.query_params.dict())
            filters.is_valid(raise_exception=True)
            unread = filters.validated_data["unread"]
        return selectors.notification_list(user=self.request.user, unread=unread)  # type: ignore[arg-type]

    @extend_schema(parameters=[FilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class NotificationReadApi(APIView):
    """Mark one notification read; marking it again changes nothing."""

    OutputSerializer = NotificationViewSet.OutputSerializer

    @extend_schema(request=None, responses=OutputSerializer)
    def post(self, request: Request, notification_id: str) -> Response:
        notification = selectors.notification_get(
            user=request.user,  # type: ignore[arg-type]
            notification_id=int(notification_id),
        )
        if notification is None:
            raise NotFound(NOTIFICATION_NOT_FOUND)
        notification = services.notification_mark_read(notification=notification)
        return Response(self.OutputSerializer(notification).data)
