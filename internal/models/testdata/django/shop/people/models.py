import uuid

from django.db import models


class Stamped(models.Model):
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True, null=True)

    class Meta:
        abstract = True


class Person(Stamped):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    name = models.CharField(max_length=80)
    email = models.EmailField(unique=True)
    born = models.DateField(null=True)
    wakes = models.TimeField(null=True)
    site = models.URLField(blank=True)
    ip = models.GenericIPAddressField(null=True)
    prefs = models.JSONField(default=dict)
    photo = models.FileField(upload_to="p", null=True)
    slug = models.SlugField(max_length=40, db_column="handle")


class Employee(Person):
    badge = models.PositiveSmallIntegerField()
    salary = models.DecimalField(max_digits=9, decimal_places=2)
