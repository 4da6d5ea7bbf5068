from django.http import HttpResponse


def index(request):
    return HttpResponse("StandX market maker: dashboard coming soon.")
