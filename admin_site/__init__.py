"""The admin site: Django's admin with the sign-in second factor, plus the instructor
workspace for the MongoDB catalogue (courses, lessons, videos, versions, analytics).

It is a web layer above every app: it calls the catalogue, playback and tracking services
and selectors, and no app imports it. `learnstream.apps.LearnStreamAdminConfig` names
`project_site.LearnStreamAdminSite` as Django's default site.
"""
