from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiKey


class SessionApi(APIView):
    """Who is calling: the user, their trading mode and how they authenticated."""

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        display_name = serializers.CharField()
        email = serializers.EmailField()
        wallet_address = serializers.CharField()
        trading_mode = serializers.CharField()
        is_staff = serializers.BooleanField()
        auth_method = serializers.ChoiceField(choices=["session", "api_key"])
        scopes = serializers.ListField(child=serializers.CharField())

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        user: Any = request.user
        via_key = isinstance(request.auth, ApiKey)
        data = {
            "id": user.pk,
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "wallet_address": user.wallet_address,
            "trading_mode": user.trading_mode,
            "is_staff": user.is_staff,
            "auth_method": "api_key" if via_key else "session",
            "scopes": request.auth.scopes if via_key else ["read", "trade"],
        }
        return Response(self.OutputSerializer(data).data)
