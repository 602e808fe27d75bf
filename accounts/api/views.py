from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ReadOnlyModelViewSet

from accounts import selectors, services
from accounts.models import ApiKey, ApiKeyScope
from accounts.wallets import wallet_connect

API_KEY_NOT_FOUND = "API key not found."

_API_KEY_FIELDS = [
    "id",
    "name",
    "prefix",
    "scopes",
    "created_at",
    "last_used_at",
    "expires_at",
    "revoked_at",
]


class SessionApi(APIView):
    """Who is calling: the user, their trading mode and how they authenticated."""

    class OutputSerializer(serializers.Serializer[Any]):
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


class ApiKeyViewSet(ReadOnlyModelViewSet[ApiKey]):
    """The caller's API keys, revoked ones included. The key itself is never
    shown again after creation, and its hash never at all."""

    class OutputSerializer(serializers.ModelSerializer[ApiKey]):
        scopes = serializers.ListField(
            child=serializers.ChoiceField(choices=ApiKeyScope.choices), read_only=True
        )

        class Meta:
            model = ApiKey
            fields = _API_KEY_FIELDS
            read_only_fields = fields

    # Names the model for the schema; get_queryset scopes to the caller.
    queryset = ApiKey.objects.none()
    serializer_class = OutputSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> Any:
        return selectors.api_key_list(user=self.request.user)  # type: ignore[arg-type]


class ApiKeyCreateApi(APIView):
    """Create a key. The response is the only time the key itself is shown."""

    class InputSerializer(serializers.Serializer[Any]):
        name = serializers.CharField(max_length=80)
        scopes = serializers.ListField(
            child=serializers.ChoiceField(choices=ApiKeyScope.choices),
            allow_empty=False,
            max_length=len(ApiKeyScope.values),
        )

    class OutputSerializer(ApiKeyViewSet.OutputSerializer):
        key = serializers.SerializerMethodField(
            help_text="The key itself, shown this once only."
        )

        class Meta(ApiKeyViewSet.OutputSerializer.Meta):
            fields = [*_API_KEY_FIELDS, "key"]
            read_only_fields = fields

        def get_key(self, api_key: ApiKey) -> str:
            return str(self.context["raw_key"])

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.api_key_create(
            user=request.user,  # type: ignore[arg-type]
            **serializer.validated_data,
        )
        output = self.OutputSerializer(
            created.api_key, context={"raw_key": created.raw_key}
        )
        return Response(output.data, status=status.HTTP_201_CREATED)


class ApiKeyRevokeApi(APIView):
    """Revoke a key at once; revoking it again changes nothing."""

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: str) -> Response:
        api_key = selectors.api_key_get(
            user=request.user,  # type: ignore[arg-type]
            api_key_id=int(pk),
        )
        if api_key is None:
            raise NotFound(API_KEY_NOT_FOUND)
        services.api_key_revoke(api_key=api_key)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WalletConnectApi(APIView):
    """Connect the wallet that signs live orders and make it the active one.
    The private key is checked against the signer address, stored encrypted
    and never returned: the answer carries its fingerprint only. Derive the
    venue API credentials afterwards from Settings."""

    class InputSerializer(serializers.Serializer[Any]):
        address = serializers.CharField(
            max_length=42, help_text="The signer: the address of the private key."
        )
        signature_type = serializers.IntegerField(
            help_text="0 EOA, 1 Polymarket proxy, 2 Gnosis Safe, 3 deposit wallet."
        )
        funder = serializers.CharField(
            max_length=42,
            required=False,
            allow_blank=True,
            default="",
            help_text="Types 1-3: the wallet that holds the funds. Empty for type 0.",
        )
        private_key = serializers.CharField(
            max_length=66,
            write_only=True,
            trim_whitespace=True,
            style={"input_type": "password"},
            help_text="64 hex characters, with or without 0x. Never returned.",
        )
        label = serializers.CharField(
            max_length=80, required=False, allow_blank=True, default=""
        )

    class OutputSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        address = serializers.CharField()
        signature_type = serializers.IntegerField()
        funder = serializers.CharField()
        label = serializers.CharField()
        private_key_fingerprint = serializers.CharField()
        api_credentials_derived = serializers.BooleanField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        wallet = wallet_connect(
            user=request.user,  # type: ignore[arg-type]
            **serializer.validated_data,
        )
        credential = wallet.credential
        data = {
            "id": wallet.pk,
            "address": wallet.address,
            "signature_type": wallet.signature_type,
            "funder": wallet.funder,
            "label": wallet.label,
            "private_key_fingerprint": credential.private_key_fingerprint,
            "api_credentials_derived": credential.has_api_credentials,
        }
        return Response(
            self.OutputSerializer(data).data, status=status.HTTP_201_CREATED
        )
